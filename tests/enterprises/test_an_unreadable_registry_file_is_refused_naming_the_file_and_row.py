"""Registry files that are not what they claim end in a TabularError naming the file (and the row
where one is to blame), with nothing stored — never a UnicodeDecodeError, csv.Error, IsADirectoryError,
an IngestError from another package or a ValueError from inside openpyxl."""

import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from fugong.enterprises.importer import import_enterprises
from fugong.enterprises.models import Enterprise
from fugong.tabular import TabularError
from tests.enterprises.helpers import SYSTEM

HEADER = "enterprise_id,name,region_code\n"


def _stored(session) -> int:
    return session.scalar(select(func.count()).select_from(Enterprise))


@pytest.mark.parametrize(("content", "message"), [
    (b"\x00\x01\x02\xff\xfe\x80" * 50, r"neither UTF-8 nor GBK"),
    (HEADER.encode() + b"B1,x," + b"9" * 200_000 + b"\n", r"line 2: field larger than field limit"),
    ((HEADER + "B1,某厂,330110\n").encode("utf-16-be"), r"neither UTF-8 nor GBK|missing column"),
    (b"enterprise_id,name,region_code,name\nB1,a,330110,b\n", r"column\(s\) name appear more than once"),
])
def test_a_csv_that_cannot_be_read_is_refused_naming_the_file(session, tmp_path, content, message):
    path = tmp_path / "名录.csv"
    path.write_bytes(content)
    with pytest.raises(TabularError, match=message) as refused:
        import_enterprises(session, SYSTEM, path=path)
    assert "名录.csv" in str(refused.value)
    assert _stored(session) == 0


def test_a_utf16_csv_with_its_byte_order_mark_loads(session, tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_bytes((HEADER + "B1,某厂,330110\n").encode("utf-16"))  # Excel's "Unicode text"
    assert import_enterprises(session, SYSTEM, path=path).created == 1


def test_a_folder_is_refused_as_a_folder(session, tmp_path):
    (tmp_path / "名录.csv").mkdir()
    with pytest.raises(TabularError, match="名录.csv: is a folder"):
        import_enterprises(session, SYSTEM, path=tmp_path / "名录.csv")


def test_a_cell_whose_type_lies_is_refused_naming_the_row(session, tmp_path):
    book = Workbook()
    book.active.append(["enterprise_id", "name", "region_code"])
    book.active.append(["B1", "某厂", "330110"])
    buffer = io.BytesIO()
    book.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":  # a number cell holding text in row 3
                data = data.replace(b"</sheetData>", b'<row r="3"><c r="A3" t="n"><v>abc</v></c></row></sheetData>')
            target.writestr(info.filename, data)
    path = tmp_path / "名录.xlsx"
    path.write_bytes(out.getvalue())
    with pytest.raises(TabularError, match=r"名录\.xlsx: sheet row 3 cannot be read"):
        import_enterprises(session, SYSTEM, path=path)
    assert _stored(session) == 0


def test_a_damaged_workbook_is_refused_naming_the_file(session, tmp_path):
    path = tmp_path / "名录.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(TabularError, match=r"名录\.xlsx: not a readable XLSX workbook"):
        import_enterprises(session, SYSTEM, path=path)
