"""Spreadsheets in and out for the service workflows: CSV (UTF-8 or GBK/GB18030) and XLSX.

Enterprises, rosters and supplier lists arrive as the files people keep (an Excel workbook from a
district office, a CSV exported from a payroll system in GBK). ``read_rows`` gives every data row as
a dict of stripped strings with its 1-based data row number, whatever the format; header names are
matched case-insensitively and through an alias table (Chinese headers welcome)::

    for number, row in read_rows(path, aliases={"统一社会信用代码": "uscc"}):
        ...  # number 1 = the first row after the header, as the rejects file reports it

Rejects follow the convention of the meter ingest (fugong.index.ingest): a CSV with
``file, row, field, value, reason`` written to ``<data dir>/rejects/<stem>-<stamp>-<id>.rejects.csv``.

Exports (``write_table``) neutralise spreadsheet formulas: a text cell starting with ``= + - @`` or a
tab/carriage return is prefixed with an apostrophe (OWASP "CSV injection"), so that a firm's name
such as ``=HYPERLINK(...)`` is shown, never run, when an officer opens the file in Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TabularError(ValueError):
    """A file that cannot be read at all (missing, unknown format, no header, missing column)."""


@dataclass
class Reject:
    row: int
    field: str
    value: str
    reason: str


@dataclass
class ImportResult:
    """What an import did: counts, the rejected rows, and where the rejects file is."""

    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)
    rejects_path: Path | None = None

    @property
    def rejected(self) -> int:
        return len({r.row for r in self.rejects})

    def reject(self, row: int, field_name: str, value, reason: str) -> None:
        self.rejects.append(Reject(row, field_name, "" if value is None else str(value), reason))

    def as_dict(self) -> dict:
        return {"file": self.file, "rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected,
                "rejects": [r.__dict__ for r in self.rejects[:200]],
                "rejects_path": str(self.rejects_path) if self.rejects_path else None}


def detect_encoding(path: Path) -> str:
    """'utf-8' or 'gb18030', the meter ingest's rule (fugong.index.ingest.detect_encoding)."""
    from fugong.index.ingest import detect_encoding as _detect

    return _detect(Path(path))


def _key(name, aliases: dict[str, str]) -> str:
    text = str(name or "").strip().lstrip("\ufeff")
    return aliases.get(text, aliases.get(text.lower(), text.lower()))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))  # 330106.0 from Excel is the code 330106; 1e308 stays 1e+308, not 309 digits
    return str(value).strip()


def read_rows(path: Path, *, aliases: dict[str, str] | None = None, required: Iterable[str] = (),
              encoding: str | None = None, sheet: str | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """(data row number, {column: text}) for every non-empty row of a CSV or XLSX file.

    Raises TabularError naming the file when it is missing, a folder, of another format, in an
    unknown encoding, a damaged or oversized workbook, has no header or lacks a ``required`` column
    (named with the columns it has); a damaged row names the row.
    """
    path = Path(path)
    aliases = aliases or {}
    if not path.exists():
        raise TabularError(f"{path}: file not found / 文件不存在")
    if path.is_dir():
        raise TabularError(f"{path}: is a folder, not a file / 这是文件夹，不是文件")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path, sheet)
    elif suffix in (".csv", ".txt", ""):
        rows = _csv_rows(path, encoding)
    else:
        raise TabularError(f"{path}: unknown format {suffix!r}: accepted are .csv and .xlsx / 仅支持 CSV 与 XLSX")
    header = next(rows, None)
    if header is None:
        raise TabularError(f"{path}: no header row / 缺少表头")
    names = [_key(h, aliases) for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        from fugong.errors import shorten

        raise TabularError(f"{path}: missing column(s) {', '.join(missing)} / 缺少列; the file has "
                           f"{shorten(', '.join(n for n in names if n), 300)}")
    doubled = sorted({n for n in names if n and names.count(n) > 1})
    if doubled:  # which of two "name" columns is the name? Refuse rather than guess.
        raise TabularError(f"{path}: column(s) {', '.join(doubled)} appear more than once / 表头重复")
    for number, values in enumerate(rows, start=1):
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue
        yield number, {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(names) if name}


def _csv_rows(path: Path, encoding: str | None) -> Iterator[list]:
    """CSV rows; the encoding by BOM, else UTF-8, else GB18030 (fugong.store.textfiles)."""
    from fugong.store.textfiles import TextFileError, csv_rows, read_text

    try:
        if encoding:
            try:
                text = path.read_bytes().decode(encoding)
            except (LookupError, UnicodeDecodeError) as exc:
                raise TextFileError(f"{path}: not {encoding} text ({exc.__class__.__name__})") from None
        else:
            text = read_text(path)
        for _, fields in csv_rows(text.lstrip("\ufeff") if encoding else text, source=str(path)):
            yield fields
    except TextFileError as exc:
        raise TabularError(f"{exc} / 无法读取的 CSV 文件") from None


# A workbook is a zip of XML files. Refuse one that would inflate past these before reading it (the
# limits of Apache POI's ZipSecureFile: an entry may not inflate more than 100-fold; and 1 GiB in all
# is far beyond a province's registry, ~100 MiB of sheet XML for 333,427 firms).
MAX_INFLATE_RATIO = 100
MAX_INFLATED_BYTES = 1 << 30
RATIO_CHECKED_FROM = 1 << 20  # small members (styles, a 3-row sheet) may compress very well


def _check_workbook_zip(path: Path) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise TabularError(f"{path}: not a readable XLSX workbook ({exc.__class__.__name__}) / 无法读取的 Excel 文件") from None
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_FROM and ratio > MAX_INFLATE_RATIO:
            raise TabularError(f"{path}: {member.filename[:60]} would inflate {ratio:,.0f}-fold to {member.file_size:,} bytes "
                               f"(more than {MAX_INFLATE_RATIO}-fold: a zip bomb?) / 疑似压缩炸弹，拒绝读取")
    if total > MAX_INFLATED_BYTES:
        raise TabularError(f"{path}: the workbook would inflate to {total:,} bytes, more than {MAX_INFLATED_BYTES:,} "
                           "/ 文件解压后过大")


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[list]:
    """The first (or named) sheet's rows: the header, then data rows cut to the header's width (a
    stray cell at column XFD must not make every row 16,384 cells wide)."""
    from openpyxl import load_workbook

    _check_workbook_zip(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise TabularError(f"{path}: not a readable XLSX workbook ({exc.__class__.__name__}) / 无法读取的 Excel 文件") from None
    row = 0
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise TabularError(f"{path}: no sheet {sheet!r} (the workbook has {', '.join(book.sheetnames)})")
        if not book.worksheets:
            raise TabularError(f"{path}: the workbook has no worksheet / 工作簿中没有工作表")
        ws = book[sheet] if sheet else book.worksheets[0]
        width = None
        for values in ws.iter_rows(values_only=True):
            row += 1
            values = list(values)
            if width is None:
                while values and values[-1] in (None, ""):
                    values.pop()
                width = len(values)
                yield values
            else:
                yield values[:width]
    except TabularError:
        raise
    except Exception as exc:  # noqa: BLE001 - damaged XML, bad CRC, cells whose type lies
        raise TabularError(f"{path}: sheet row {row + 1} cannot be read ({exc.__class__.__name__}) / 第{row + 1}行无法读取") from None
    finally:
        book.close()


def rejects_target(rejects_dir: Path, source: Path | str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    return Path(rejects_dir) / f"{Path(str(source)).stem}-{stamp}-{uuid.uuid4().hex[:6]}.rejects.csv"


def write_rejects(result: ImportResult, rejects_dir: Path | None) -> Path | None:
    """Write the result's rejects (file, row, field, value, reason) beside the others; None if none."""
    if not result.rejects or rejects_dir is None:
        return None
    target = rejects_target(rejects_dir, result.file)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "row", "field", "value", "reason"])
        for r in sorted(result.rejects, key=lambda r: (r.row, r.field)):
            writer.writerow([result.file, r.row, r.field, safe_cell(r.value), r.reason])
    result.rejects_path = target
    return target


def safe_cell(value):
    """A value as an export cell: text that a spreadsheet would run as a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(columns: Iterable[str], rows: Iterable[dict]) -> bytes:
    """UTF-8 with BOM (Excel reads Chinese names right), formulas neutralised."""
    columns = list(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(columns: Iterable[str], rows: Iterable[dict], *, sheet: str = "data") -> bytes:
    from openpyxl import Workbook

    columns = list(columns)
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(columns)
    for row in rows:
        ws.append([safe_cell(row.get(c)) for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_table(path: Path, columns: Iterable[str], rows: Iterable[dict]) -> Path:
    """CSV or XLSX by the file's suffix, written to a temporary name and renamed (never half a file)."""
    import os

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise TabularError(f"{path}: unknown format {suffix!r}: accepted are .csv and .xlsx")
    data = xlsx_bytes(columns, rows) if suffix == ".xlsx" else csv_bytes(columns, rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path
