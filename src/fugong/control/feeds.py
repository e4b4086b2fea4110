"""The tidy indicator format, its reading and validation (CSV or Parquet).

One row per region, day and indicator::

    region_code,date,indicator,value,flag,note
    330110,2020-02-18,public_transport_open_share,0.62,,62 of 100 bus lines
    GBR,2020-11-15,C1,1,1,
    GBR,2020-11-15,C8,2,,

``flag`` and ``note`` are optional columns; an empty flag means no flag was recorded. Dates are
``YYYY-MM-DD`` (``YYYYMMDD``, OxCGRT's form, is read too). Values are decimal numbers (ordinal
indicators: whole numbers 0…max). CSV is UTF-8 (GBK/GB18030 detected).

A bad row never stops a read and is never lost: it is listed with file, row (the line number of a
CSV, header = 1; the 1-based row of a Parquet file + 1), field, value and reason, and the caller
writes the list as a rejects file. A row repeating an earlier (region, date, indicator) is
rejected naming the earlier row.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from fugong.control.engine import Observation
from fugong.control.model import CODE, Model
from fugong.errors import shown

REQUIRED = ("region_code", "date", "indicator", "value")
OPTIONAL = ("flag", "note")
REJECT_COLUMNS = ("file", "row", "field", "value", "reason")
_REGION = re.compile(r"^[A-Za-z0-9_]{1,20}$")
MAX_NOTE = 500


class FeedError(ValueError):
    """The file as a whole cannot be read (missing, not CSV/Parquet, required column absent)."""


@dataclass(frozen=True)
class Reject:
    file: str
    row: int
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.field}: {self.reason}"


@dataclass(frozen=True)
class FeedRow:
    row: int
    observation: Observation
    note: str = ""


@dataclass
class FeedRead:
    source: str
    rows: list[FeedRow] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    total: int = 0

    @property
    def observations(self) -> list[Observation]:
        return [r.observation for r in self.rows]


def _raw_rows(path: Path):
    """(row number, {column: text}) for every data row; FeedError for an unreadable file."""
    if not path.exists():
        raise FeedError(f"{path}: file not found")
    if path.is_dir():
        raise FeedError(f"{path}: is a folder, not a feed file")
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as exc:  # noqa: BLE001 - any reader failure is "not a readable Parquet file"
            raise FeedError(f"{path}: not a readable Parquet file: {exc}") from None
        names = [c.strip().lower() for c in table.column_names]
        _check_columns(path, names)
        columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
        for n in range(table.num_rows):
            yield n + 2, {name: _text(col[n]) for name, col in zip(names, columns)}
        return
    if path.suffix.lower() not in (".csv", ".txt"):
        raise FeedError(f"{path}: a feed is a .csv or .parquet file")
    from fugong.index.ingest import IngestError, detect_encoding

    try:
        encoding = detect_encoding(path)
    except IngestError as exc:  # UTF-16, binary: the ingest's own named reason
        raise FeedError(str(exc)) from None
    with path.open(encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise FeedError(f"{path}: empty file (expected a header {','.join(REQUIRED + OPTIONAL)})") from None
        except csv.Error as exc:
            raise FeedError(f"{path}: not a readable CSV: {exc}") from None
        except UnicodeDecodeError:
            raise FeedError(f"{path}: the header is not {encoding} text; save the file as UTF-8 CSV") from None
        names = [c.strip().lower() for c in header]
        _check_columns(path, names)
        try:
            width = len(names)
            for cells in reader:
                if not "".join(cells).strip():
                    continue
                if len(cells) < width:
                    cells = cells + [""] * (width - len(cells))
                yield reader.line_num, dict(zip(names, cells))
        except csv.Error as exc:
            raise FeedError(f"{path}:{reader.line_num}: not a readable CSV: {exc}") from None
        except UnicodeDecodeError:  # the encoding was guessed from the start of the file
            raise FeedError(f"{path}: after line {reader.line_num} the file is not {encoding} text; "
                            "save it as UTF-8 CSV") from None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value)


def _check_columns(path: Path, names: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise FeedError(f"{path}: missing column(s) {', '.join(missing)}; a feed has "
                        f"{','.join(REQUIRED)}[,flag][,note]")
    unknown = [c for c in names if c not in REQUIRED + OPTIONAL]
    if unknown:
        more = f" and {len(unknown) - 5:,} more" if len(unknown) > 5 else ""
        raise FeedError(f"{path}: unknown column(s) {', '.join(shown(c, 40) for c in unknown[:5])}{more}; "
                        f"a feed has {','.join(REQUIRED)}[,flag][,note]")


@lru_cache(maxsize=4096)
def parse_date(text: str) -> dt.date:
    text = text.strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError("not a date YYYY-MM-DD")
    day = dt.date.fromisoformat(text)
    if not 1900 <= day.year <= 2100:
        raise ValueError("year outside 1900–2100")
    return day


@lru_cache(maxsize=4096)
def parse_value(text: str) -> Fraction:
    """An exact decimal (``0.62`` → 31/50); no inf, nan, or thousands separators."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a finite number")
    if abs(number) > Decimal("1e15"):
        raise ValueError("implausibly large")
    return Fraction(number)


def read_feed(path: str | Path, *, model: Model | None = None, gb2260: bool | None = None,
              allowed_regions=None) -> FeedRead:
    """Read and validate a tidy indicator file.

    ``model``: indicators must be the model's, ordinal values whole numbers 0…max, a flag only
    where the indicator has one. ``gb2260``: region codes must be GB/T 2260 codes (default: what
    the model says, else True). ``allowed_regions``: a predicate (code → bool) for access scope.
    """
    path = Path(path)
    source = str(path)
    check_codes = gb2260 if gb2260 is not None else (model.region_codes == "gb2260" if model else True)
    indicators = {i.code: i for i in model.indicators} if model else {}
    known_region = lru_cache(maxsize=None)(_gb2260_checker()) if check_codes else None
    out = FeedRead(source)
    seen: dict[tuple, int] = {}
    for line, raw in _raw_rows(path):
        out.total += 1
        before = len(out.rejects)

        def reject(field_name: str, reason: str) -> None:
            out.rejects.append(Reject(source, line, field_name, raw.get(field_name, "")[:200], reason))

        region = raw.get("region_code", "").strip()
        if not region:
            reject("region_code", "required")
        elif known_region is not None and not known_region(region):
            reject("region_code", f"{region!r} is not a GB/T 2260 region code")
        elif not _REGION.match(region):
            reject("region_code", f"{region!r} is not a region code (letters, digits, _; at most 20)")
        elif allowed_regions is not None and not allowed_regions(region):
            reject("region_code", f"{region} is outside your region")
        try:
            day = parse_date(raw.get("date", ""))
        except ValueError as exc:
            reject("date", str(exc))
            day = None
        code = raw.get("indicator", "").strip()
        indicator = indicators.get(code)
        if not CODE.match(code):
            reject("indicator", f"{code!r} is not an indicator code")
        elif model is not None and indicator is None:
            reject("indicator", f"{code!r} is not an indicator of model {model.name} "
                                f"({', '.join(model.indicator_codes)})")
        try:
            value = parse_value(raw.get("value", ""))
        except ValueError as exc:
            reject("value", str(exc) if raw.get("value", "").strip() else "required")
            value = None
        if value is not None and indicator is not None and indicator.kind == "ordinal":
            if value.denominator != 1 or not 0 <= value <= indicator.max:
                reject("value", f"{code} is ordinal: a whole number 0–{indicator.max}")
        flag_text = raw.get("flag", "").strip()
        flag = None
        if flag_text:
            try:
                flag_value = parse_value(flag_text)
            except ValueError:
                flag_value = None
            if flag_value not in (0, 1):
                reject("flag", f"{flag_text!r} is not 0, 1 or empty")
            else:
                flag = int(flag_value)
                if indicator is not None and not (indicator.kind == "ordinal" and indicator.flag):
                    reject("flag", f"{code} has no flag")
        note = raw.get("note", "")
        if len(note) > MAX_NOTE:
            reject("note", f"longer than {MAX_NOTE} characters")
        if len(out.rejects) > before:
            continue
        key = (region, day, code)
        if key in seen:
            reject("indicator", f"duplicate of row {seen[key]} ({region} {day} {code})")
            continue
        seen[key] = line
        out.rows.append(FeedRow(line, Observation(region, day, code, value, flag), note.strip()))
    return out


def _gb2260_checker():
    from fugong.reference import regions

    def known(code: str) -> bool:
        if not (len(code) == 6 and code.isdigit()):
            return False
        try:
            return regions.find_in_any_vintage(code) is not None
        except ValueError:
            return False

    return known


def write_rejects(rejects: list[Reject], target: Path) -> Path | None:
    """Write rejected rows as CSV (file, row, field, value, reason); None when there are none."""
    if not rejects:
        return None
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:6]}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REJECT_COLUMNS)
        for r in rejects:
            writer.writerow([r.file, r.row, r.field, _safe(r.value), r.reason])
    tmp.replace(target)
    return target


def rejects_file(folder: str | Path, source: str | Path) -> Path:
    """``<folder>/<file stem>-<time>-<random>.rejects.csv``: one file per load, never overwritten."""
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    return Path(folder) / f"{Path(source).stem}-{stamp}-{uuid.uuid4().hex[:6]}.rejects.csv"


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not re.fullmatch(r"-?\d+(\.\d+)?", text) else text
