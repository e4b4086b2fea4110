"""A workbook whose sheet would inflate more than 100-fold (Apache POI's limit) is refused naming the
file and the member, before openpyxl reads a row — a 44 kB upload must not cost minutes of CPU."""

import io
import time
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from fugong.enterprises.importer import import_enterprises
from fugong.enterprises.models import Enterprise
from fugong.tabular import TabularError
from tests.enterprises.helpers import SYSTEM


def _workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_sheet(xlsx: bytes, sheet_xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info.filename, source.read(info.filename))
        target.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


def test_a_sheet_that_inflates_a_thousandfold_is_refused_at_once(session, tmp_path):
    good = _workbook([["enterprise_id", "name", "region_code"], ["B1", "某厂", "330110"]])
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + b"<row/>" * 5_000_000 + b"</sheetData></worksheet>")
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_with_sheet(good, sheet))
    assert path.stat().st_size < 100_000
    started = time.perf_counter()
    with pytest.raises(TabularError, match=r"bomb\.xlsx: xl/worksheets/sheet1\.xml would inflate .*-fold"):
        import_enterprises(session, SYSTEM, path=path)
    assert time.perf_counter() - started < 5  # refused from the zip directory, not by reading 30 MB of rows
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_a_normal_workbook_of_many_similar_rows_still_loads(session, tmp_path):
    rows = [["enterprise_id", "name", "region_code"]] + [[f"B{n}", "某厂", "330110"] for n in range(3000)]
    path = tmp_path / "firms.xlsx"
    path.write_bytes(_workbook(rows))
    assert import_enterprises(session, SYSTEM, path=path).created == 3000
