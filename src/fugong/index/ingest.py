"""Ingest meter readings and enterprises: validate (vectorised, in DuckDB), reject, store atomically.

Inputs (CSV in UTF-8 or GBK/GB18030, detected or given; or Parquet)::

    daily        enterprise_id, date, kwh
    interval     enterprise_id, timestamp, kwh       a timestamp marks the START of its interval;
                                                     any resolution; naive times are read in ``tz``
    enterprises  enterprise_id, region_code, industry_code[, size_class, name, uscc]

``meter_id`` is accepted for ``enterprise_id`` (one meter per enterprise, as in public meter data).

Validation, one reason per rejected row (the first that applies), in this order:

    missing enterprise_id · bad date / bad timestamp (missing, in a typed Parquet column) · missing kWh · non-numeric kWh ·
    negative kWh · unknown enterprise · conflicting duplicate (every row of a key that has two
    different values in one file) · differs from stored value (unless ``replace``)

Exact duplicates (same key, same value) within a file or of the stored value are counted as
``duplicate`` and change nothing, so re-ingesting a file is a no-op. Rejects go to a CSV file with
``file, row, field, value, reason``; ``row`` is the 1-based data row of the source file (the first
row after the header is 1; for Parquet the first record is 1).

Interval readings are summed per calendar day in ``day_tz`` (Asia/Shanghai by default). A day with
fewer than ``min_completeness`` (90 %) of its expected intervals (day length / resolution, so
daylight-saving days count right; resolution = the smallest gap between an enterprise's readings)
is not reporting: its features are kept, its kWh is not. Per enterprise-day load-shape features
(see docs/index.md): kwh, intervals, expected, completeness, peak, mean, night_day_ratio
(mean interval kWh 00:00–06:00 / 08:00–18:00 local) and flatness (coefficient of variation of the
interval kWh over the day).
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

ALIASES = {"meter_id": "enterprise_id", "企业编号": "enterprise_id", "日期": "date", "电量": "kwh", "时间": "timestamp"}
DAILY_COLUMNS = ("enterprise_id", "date", "kwh")
INTERVAL_COLUMNS = ("enterprise_id", "timestamp", "kwh")
ENTERPRISE_COLUMNS = ("enterprise_id", "region_code", "industry_code")
ENTERPRISE_OPTIONAL = ("size_class", "name", "uscc")
BATCH_ROWS = 2_000_000
# Plausible reading dates: smart-meter data before 1990 or after 2099 is a typo ('0001-01-01' would
# make a month partition of year 1), and 'inf'/'infinity' parse as the end of time in DuckDB.
FIRST_DATE, LAST_DATE = "1990-01-01", "2099-12-31"
# Physical bound of one reading (kWh), per size class of the enterprise (GB/T size classes; the
# largest plants of a class draw far less: a 2 GW steel works uses ~5e7 kWh a day). A reading above
# it is rejected, not stored: one 1e308 would make E and R infinite for the whole province.
# An interval reading is held to the same bound as a day (loose, but it catches absurd values).
MAX_KWH = {"large": 5e7, "medium": 5e6, "small": 5e5, "micro": 5e4, None: 5e7}
# Full-width digits and signs (from Chinese input methods) read as their ASCII twins.
FULL_WIDTH = ("０１２３４５６７８９．－＋：／", "0123456789.-+:/")
# Values longer than this are cut in rejects files and messages (a 100,000-character value took
# minutes to print).
SHOW_CHARS = 200
HEADER_BYTES = 1 << 20  # a header line longer than this is not a header
MEMORY_LIMIT = "2.5GB"  # DuckDB's working memory during an ingest (it spills beyond)


class IngestError(ValueError):
    """A file that cannot be ingested at all (unreadable, missing column); the message names it."""


def shorten(text, limit: int = SHOW_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was (for messages and rejects files)."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}…({len(text):,} characters)"


def check_timezone(name: str, option: str = "--tz") -> str:
    """The name of an IANA time zone (checked against the zone database), else IngestError."""
    import re
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*", name):
        raise IngestError(f"{option} {shorten(repr(name), 60)}: not a time zone name such as Asia/Shanghai")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise IngestError(f"{option} {name!r}: unknown time zone (IANA names such as Asia/Shanghai, UTC)") from None
    return name


def check_file(path: Path) -> Path:
    """The path of a readable regular file, else IngestError naming it."""
    path = Path(path)
    if not path.exists():
        raise IngestError(f"{shorten(path)}: file not found")
    if path.is_dir():
        raise IngestError(f"{shorten(path)}: is a directory, not a file")
    return path


@dataclass
class IngestSummary:
    file: str
    kind: str
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicate: int = 0
    replaced: int = 0
    days_incomplete: int = 0  # interval: enterprise-days under the completeness threshold
    zero_days: int = 0  # whole-zero days treated as missing (zero_days_missing)
    changed_dates: list = field(default_factory=list)
    rejects_path: Path | None = None

    def as_dict(self) -> dict:
        out = dict(self.__dict__)
        out["changed_dates"] = [d.isoformat() for d in self.changed_dates]
        out["rejects_path"] = str(self.rejects_path) if self.rejects_path else None
        return out


# --- reading --------------------------------------------------------------------------------------


def detect_encoding(path: Path, sample: int = 1 << 20) -> str:
    """'utf-8' if the first MiB decodes as UTF-8, else 'gb18030' (a superset of GBK); IngestError
    naming the file when it is neither (UTF-16 from Excel's "Unicode text", a binary file)."""
    data = _head(path, sample)
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(data, final=False)
            return encoding
        except UnicodeDecodeError as exc:
            failure = exc
    utf16 = " (it starts with a UTF-16 byte-order mark: save it as UTF-8 CSV)" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else ""
    raise IngestError(f"{shorten(path)}: neither UTF-8 nor GBK/GB18030 text at byte {failure.start:,}{utf16}; "
                      "give --encoding if it is another one 文件编码无法识别")


def _head(path: Path, size: int) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(size)


def _normalise(name: str) -> str:
    key = name.strip().lstrip("\ufeff").lower()
    return ALIASES.get(key, key)


def _row_numbers(start: int, count: int):
    """int64 array start, start + 1, … made from a numpy buffer (``pa.array(range(...))`` converts
    every number through Python)."""
    import numpy as np
    import pyarrow as pa

    return pa.Array.from_buffers(pa.int64(), count, [None, pa.py_buffer(np.arange(start, start + count, dtype=np.int64))])


def read_batches(path: Path, *, encoding: str | None = None, progress: Callable[[int, int], None] | None = None) -> Iterator:
    """pyarrow tables of at most ~BATCH_ROWS rows with ``_row`` (1-based data row) and normalised names.

    CSV columns are read as strings (validation parses them); ``progress(done, total)`` in bytes
    (CSV) or rows (Parquet).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = check_file(path)
    start = 1
    if path.suffix.lower() == ".parquet":
        pf = _parquet_file(path)
        _unique_names(path, pf.schema_arrow.names)
        total = pf.metadata.num_rows
        batches = pf.iter_batches(batch_size=BATCH_ROWS)
        while True:
            with _reading_parquet(path):
                batch = next(batches, None)
                if batch is not None:
                    batch.validate(full=True)  # pyarrow does not check a damaged page's strings are UTF-8
            if batch is None:
                return
            table = pa.Table.from_batches([batch])
            table = table.rename_columns([_normalise(c) for c in table.column_names])
            yield table.append_column("_row", _row_numbers(start, len(table)))
            start += len(table)
            if progress:
                progress(start - 1, total)
    encoding = encoding or detect_encoding(path)
    names = header_names(path, encoding)
    read = pacsv.ReadOptions(encoding=encoding, block_size=64 << 20, skip_rows=1, column_names=names)
    convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True,
                                   null_values=[""])
    total = path.stat().st_size
    with open(path, "rb") as fh:
        try:
            reader = pacsv.open_csv(fh, read_options=read, convert_options=convert)
            for batch in reader:
                table = pa.Table.from_batches([batch])
                table = table.rename_columns([_normalise(c) for c in names])
                yield table.append_column("_row", _row_numbers(start, len(table)))
                start += len(table)
                if progress:
                    progress(min(fh.tell(), total), total)
        except pa.ArrowInvalid as exc:
            raise IngestError(f"{shorten(path)}: not a readable CSV near data row {start}: {shorten(exc)}") from None
        except UnicodeDecodeError as exc:  # past the sampled first MiB, or a wrong --encoding
            raise IngestError(f"{shorten(path)}: not {encoding} text near data row {start}: {shorten(exc)}; "
                              "give --encoding 文件编码无法识别") from None


def header_names(path: Path, encoding: str) -> list[str]:
    """The CSV header's column names, parsed as CSV (quoted names may hold commas); IngestError for
    an empty header or two columns that mean the same (after normalising: 'meter_id' = 'enterprise_id')."""
    import csv
    import io

    # The header ends where the CSV reader ends it: at \n, \r\n or a lone \r outside quotes.
    head = _head(path, HEADER_BYTES)
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    if len(head) == HEADER_BYTES and not any(c in text for c in "\r\n"):
        raise IngestError(f"{shorten(path)}: no end of the header line in the first {HEADER_BYTES:,} bytes 表头过长")
    try:
        names = [c.strip() for c in next(csv.reader(io.StringIO(text, newline="")), [])]
    except csv.Error as exc:
        raise IngestError(f"{shorten(path)}: unreadable header line: {shorten(exc)}") from None
    if not names or names == [""]:
        raise IngestError(f"{shorten(path)}: empty file or empty header line")
    _unique_names(path, names)
    return names


def _unique_names(path: Path, names: list[str]) -> None:
    seen: dict[str, str] = {}
    for name in names:
        key = _normalise(name)
        if key in seen:
            raise IngestError(f"{shorten(path)}: columns {shorten(seen[key], 60)!r} and {shorten(name, 60)!r} are the same "
                              f"column ({key}); keep one 表头列重复")
        seen[key] = name


def _parquet_file(path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:  # a damaged footer: names not UTF-8
        raise IngestError(f"{shorten(path)}: not a readable Parquet file: {shorten(exc)}") from None


@contextlib.contextmanager
def _reading_parquet(path: Path):
    """Errors of reading a damaged Parquet file (pyarrow's or DuckDB's: bad pages, thrift, levels,
    strings that are not UTF-8) as an IngestError naming the file; the file is refused whole."""
    import duckdb
    import pyarrow as pa

    try:
        yield
    except (pa.ArrowException, OSError, duckdb.Error, UnicodeDecodeError) as exc:
        raise IngestError(f"{shorten(path)}: cannot read this Parquet file (damaged or not Parquet): "
                          f"{shorten(exc)} 文件损坏") from None


def _require(path: Path, table, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        found = shorten(", ".join(c for c in table.column_names if c != "_row"))
        raise IngestError(f"{shorten(path)}: missing column(s) {', '.join(missing)} (found {found})")


# --- validation -----------------------------------------------------------------------------------


def _connect(con=None, *, memory_limit: str = MEMORY_LIMIT):
    """A DuckDB connection set up for validation (or ``con``, e.g. the index engine's own, set up)."""
    import tempfile

    import duckdb

    con = con or duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # A province-scale file is ~60 M rows: let DuckDB spill to disk rather than hold every copy in
    # memory (peak memory stays under ~4 GiB), and drop the row order it need not keep. Its spill
    # files have fixed names, so each connection gets its own folder (DuckDB removes it on close).
    con.execute(f"SET temp_directory = {sql_literal(f'{tempfile.gettempdir()}/fugong-duckdb-{uuid.uuid4().hex}')}")
    con.execute(f"SET memory_limit = {sql_literal(memory_limit)}")
    con.execute("SET preserve_insertion_order = false")
    con.execute("CREATE OR REPLACE TEMP TABLE bad (row BIGINT, field VARCHAR, value VARCHAR, reason VARCHAR)")
    # shown(v): a value as the rejects file shows it (cut like ``shorten``).
    con.execute(f"""CREATE OR REPLACE TEMP MACRO shown(v) AS CASE WHEN length(v) > {SHOW_CHARS}
                    THEN left(v, {SHOW_CHARS}) || '…(' || format('{{:,}}', length(v)) || ' characters)' ELSE v END""")
    # ascii_digits(v): full-width digits and signs as ASCII.
    con.execute(f"CREATE OR REPLACE TEMP MACRO ascii_digits(v) AS translate(v, '{FULL_WIDTH[0]}', '{FULL_WIDTH[1]}')")
    return con


def sql_literal(text: str) -> str:
    from fugong.index.store import sql_literal as literal

    return literal(text)


def _drop(con, name: str) -> None:
    """Drop temp table or view ``name`` if there is one (either kind)."""
    import duckdb

    for kind in ("VIEW", "TABLE"):
        try:
            con.execute(f"DROP {kind} IF EXISTS {name}")
        except duckdb.CatalogException:  # it is the other kind
            pass


def _known(con, known_ids, max_kwh: dict | None = None, *, unique: bool = False) -> bool:
    """Register the known enterprises as relation ``known`` (enterprise_id, max_kwh); False when not checked.

    ``known_ids``: a pyarrow array of ids, or a table with enterprise_id[, size_class] (the bound of a
    reading comes from the size class, ``MAX_KWH``). ``unique``: the caller knows each id is there
    once (a validated enterprises file), so the table is read in place without a check."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if known_ids is None:
        return False
    _drop(con, "known")
    bounds = {**MAX_KWH, **(max_kwh or {})}
    if isinstance(known_ids, pa.Table) and (unique or pc.count_distinct(known_ids["enterprise_id"]).as_py() == known_ids.num_rows):
        # Each id once (a validated enterprises file): the bound per row, and the table read in place.
        size = (known_ids["size_class"].cast(pa.string()) if "size_class" in known_ids.column_names
                else pa.nulls(known_ids.num_rows, pa.string()))
        classes = [k for k in bounds if k is not None]
        index = pc.index_in(size, value_set=pa.array(classes, pa.string()))
        limits = pa.array([float(bounds[k]) for k in classes], pa.float64())
        max_kwh_column = pc.fill_null(pc.take(limits, index), float(bounds[None]))
        con.register("known_arrow", pa.table({"enterprise_id": known_ids["enterprise_id"].cast(pa.string()), "max_kwh": max_kwh_column}))
        con.execute("CREATE TEMP VIEW known AS SELECT enterprise_id, max_kwh FROM known_arrow")
        return True
    if isinstance(known_ids, pa.Table):
        table = pa.table({"enterprise_id": known_ids["enterprise_id"].cast(pa.string()),
                          "size_class": (known_ids["size_class"].cast(pa.string()) if "size_class" in known_ids.column_names
                                         else pa.nulls(known_ids.num_rows, pa.string()))})
    else:
        ids = pa.array(known_ids) if not isinstance(known_ids, (pa.Array, pa.ChunkedArray)) else known_ids
        table = pa.table({"enterprise_id": ids.cast(pa.string()), "size_class": pa.nulls(len(ids), pa.string())})
    con.register("known_ids_arrow", table)
    con.register("kwh_bounds", pa.table({"size_class": [k for k in bounds if k is not None],
                                         "max_kwh": [float(v) for k, v in bounds.items() if k is not None]}))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE known AS
                    SELECT enterprise_id, COALESCE(min(b.max_kwh), {float(bounds[None])!r}) AS max_kwh
                    FROM known_ids_arrow k LEFT JOIN kwh_bounds b USING (size_class) GROUP BY enterprise_id""")
    con.unregister("known_ids_arrow")
    con.unregister("kwh_bounds")
    return True


_KWH_CHECKS = """
    WHEN raw_kwh IS NULL OR trim(raw_kwh) = '' THEN 'kwh|missing kWh 缺少电量'
    WHEN kwh IS NULL OR isnan(kwh) OR isinf(kwh) THEN 'kwh|non-numeric kWh 电量不是数字'
    WHEN kwh < 0 THEN 'kwh|negative kWh 电量为负'
    WHEN kwh > {bound} THEN 'kwh|implausible kWh: above the bound of its size class, ' || CAST({bound} AS VARCHAR) || ' 电量超出合理上限'
"""


def _validate_batch(con, batch, *, kind: str, checked: bool, tz: str) -> None:  # noqa: D401
    """Typed rows into ``ok``, failures into ``bad``; one SQL pass per batch (a pyarrow table)."""
    con.register("batch", batch)
    _validate_relation(con, batch.schema, kind=kind, checked=checked, tz=tz, materialise=True)
    con.unregister("batch")


def _parquet_relation(con, path: Path, required: tuple[str, ...]) -> int:
    """Make view ``batch`` (required columns under their normalised names, and ``_row``) over a
    Parquet file read by DuckDB itself (streamed, only the needed columns). Returns the row count."""
    import pyarrow as pa

    pf = _parquet_file(path)
    _unique_names(path, pf.schema_arrow.names)
    names = {_normalise(c): c for c in pf.schema_arrow.names}
    _require(path, pa.table({c: pa.array([], pa.null()) for c in names}), required)
    quoted = ", ".join(f'"{names[c].replace(chr(34), chr(34) * 2)}" AS {c}' for c in required)
    con.execute(f"""CREATE OR REPLACE TEMP VIEW batch AS SELECT {quoted}, file_row_number + 1 AS _row
                    FROM read_parquet({sql_literal(str(path))}, file_row_number = true)""")
    return pf.metadata.num_rows


def _validate_relation(con, schema, *, kind: str, checked: bool, tz: str, materialise: bool) -> None:
    """Rows of relation ``batch`` (with ``schema``) → typed rows into ``ok``, failures into ``bad``.

    ``materialise``: parse into a temp table appended to ``ok`` (small batches, ``ok`` growing);
    otherwise (a whole Parquet file, ``ok`` empty) the parsed rows become ``ok`` themselves.
    """
    import pyarrow as pa

    batch = schema
    typed_date = kind == "daily" and pa.types.is_date(batch.field("date").type)
    typed_ts = kind == "interval" and pa.types.is_timestamp(batch.field("timestamp").type)
    typed_kwh = pa.types.is_floating(batch.field("kwh").type) or pa.types.is_integer(batch.field("kwh").type)
    if typed_date:  # Parquet with a date column: nothing to parse
        key_raw, key_sql = "date", "date"
        key_reason = "date|missing date 缺少日期"
    elif typed_ts:
        # Parquet with a timestamp column: an instant as it is, a naive local time read in ``tz`` (as
        # the text "2020-02-10 08:15" is). Parsing the text of 28 M timestamps instead cost ~35 s.
        aware = batch.field("timestamp").type.tz is not None
        key_raw = "timestamp"
        key_sql = '"timestamp"' if aware else _instant('"timestamp"', tz, *con.execute(
            'SELECT min("timestamp"), max("timestamp") FROM batch').fetchone())
        key_reason = "timestamp|missing timestamp 缺少时间"
    elif kind == "daily":
        text = "ascii_digits(trim(CAST(date AS VARCHAR)))"
        key_raw, key_sql = "date", f"""CASE WHEN regexp_matches({text}, '^[0-9]{{4}}[-/][0-9]{{1,2}}[-/][0-9]{{1,2}}$')
                     THEN COALESCE(TRY_CAST({text} AS DATE), TRY_CAST(TRY_STRPTIME({text}, '%Y/%m/%d') AS DATE)) END"""
        key_reason = "date|bad date 日期无效"
    else:
        key_raw = "timestamp"
        ts = "ascii_digits(trim(CAST(timestamp AS VARCHAR)))"
        key_sql = f"""CASE WHEN NOT regexp_matches({ts}, '^[0-9]{{4}}-[0-9]') THEN NULL
                     WHEN regexp_matches({ts}, '(Z|[+-][0-9][0-9](:?[0-9][0-9])?)$')
                     THEN TRY_CAST({ts} AS TIMESTAMPTZ)
                     ELSE timezone({sql_literal(tz)}, TRY_CAST({ts} AS TIMESTAMP)) END"""
        key_reason = "timestamp|bad timestamp 时间无效"
    unknown = "WHEN k.enterprise_id IS NULL THEN 'enterprise_id|unknown enterprise 未登记的企业'" if checked else ""
    in_range = _in_range("p.key", kind)
    range_reason = f"{key_raw}|out of range {FIRST_DATE[:4]}–{LAST_DATE[:4]} 日期超出范围"
    bound = "COALESCE(k.max_kwh, %r)" % float(MAX_KWH[None]) if checked else repr(float(MAX_KWH[None]))
    join = "LEFT JOIN known k ON k.enterprise_id = p.enterprise_id" if checked else ""
    shown_value = f"""shown(CASE split_part(failure, '|', 1) WHEN 'enterprise_id' THEN enterprise_id
                 WHEN 'kwh' THEN {"CAST(kwh AS VARCHAR)" if typed_kwh else "raw_kwh"} ELSE raw_key END)"""
    con.execute(f"""
        CREATE OR REPLACE TEMP {"TABLE" if materialise else "VIEW"} parsed AS
        SELECT p.*, CASE
            WHEN p.enterprise_id IS NULL THEN 'enterprise_id|missing enterprise_id 缺少企业编号'
            WHEN p.key IS NULL THEN '{key_reason}'
            WHEN NOT isfinite(p.key) OR NOT ({in_range}) THEN '{range_reason}'
            {_KWH_CHECKS.format(bound=bound)}
            {unknown}
            END AS failure
        FROM (SELECT _row,
                     NULLIF(trim(CAST(enterprise_id AS VARCHAR)), '') AS enterprise_id,
                     CAST({key_raw} AS VARCHAR) AS raw_key,
                     {key_sql} AS key,
                     {"CASE WHEN kwh IS NULL THEN NULL ELSE '0' END" if typed_kwh else "CAST(kwh AS VARCHAR)"} AS raw_kwh,
                     {"CAST(kwh AS DOUBLE)" if typed_kwh else "TRY_CAST(ascii_digits(trim(CAST(kwh AS VARCHAR))) AS DOUBLE)"} AS kwh
              FROM batch) p {join}
    """)
    if not materialise:
        # A whole file: parsed once into what becomes ``ok`` (with the failure, and the value shown in
        # the rejects file for failed rows only), failures moved to ``bad``, the two columns dropped.
        # Reading the view twice (ok, then bad) parsed every row twice: 8 of 42 s for the demo's daily file.
        con.execute(f"""CREATE OR REPLACE TEMP TABLE parsed_rows AS
                        SELECT CAST(_row AS BIGINT) AS _row, CAST(enterprise_id AS VARCHAR) AS enterprise_id,
                               CAST(key AS {"DATE" if kind == "daily" else "TIMESTAMPTZ"}) AS key, CAST(kwh AS DOUBLE) AS kwh, failure,
                               CASE WHEN failure IS NOT NULL THEN {shown_value} END AS shown_value
                        FROM parsed""")
        con.execute("DROP VIEW parsed")
        con.execute("""INSERT INTO bad SELECT _row, split_part(failure, '|', 1), shown_value, split_part(failure, '|', 2)
                       FROM parsed_rows WHERE failure IS NOT NULL""")
        con.execute("DELETE FROM parsed_rows WHERE failure IS NOT NULL")
        con.execute("ALTER TABLE parsed_rows DROP COLUMN failure")
        con.execute("ALTER TABLE parsed_rows DROP COLUMN shown_value")
        con.execute("DROP TABLE ok")
        con.execute("ALTER TABLE parsed_rows RENAME TO ok")
        return
    con.execute(f"""
        INSERT INTO bad SELECT _row, split_part(failure, '|', 1), {shown_value}, split_part(failure, '|', 2)
        FROM parsed WHERE failure IS NOT NULL
    """)
    con.execute("INSERT INTO ok SELECT _row, enterprise_id, key, kwh FROM parsed WHERE failure IS NULL")
    con.execute("DROP TABLE parsed")


def _in_range(column: str, kind: str) -> str:
    """SQL: the date (daily) or timestamp (interval) ``column`` lies in FIRST_DATE..LAST_DATE."""
    if kind == "daily":
        return f"{column} BETWEEN DATE '{FIRST_DATE}' AND DATE '{LAST_DATE}'"
    return f"{column} BETWEEN TIMESTAMPTZ '{FIRST_DATE} 00:00:00+00' AND TIMESTAMPTZ '{LAST_DATE} 23:59:59+00'"


def _check_statistics(con, path: Path, *, kind: str, checked: bool) -> None:
    """Refuse a Parquet file whose rows contradict its own column statistics (a damaged page: a date
    of year 47775 under statistics that say 2020-02-10). DuckDB trusts the statistics and folds the
    range and kWh checks away while reading it, so they run again on the rows read (the temp table's
    statistics are its own)."""
    bound = "COALESCE(k.max_kwh, %r)" % float(MAX_KWH[None]) if checked else repr(float(MAX_KWH[None]))
    join = "LEFT JOIN known k ON k.enterprise_id = o.enterprise_id" if checked else ""
    denied = con.execute(f"""SELECT min(o._row) FROM ok o {join} WHERE NOT isfinite(o.key) OR NOT ({_in_range("o.key", kind)})
                             OR isnan(o.kwh) OR isinf(o.kwh) OR o.kwh < 0 OR o.kwh > {bound}""").fetchone()[0]
    if denied is not None:
        raise _denied_by_statistics(path, denied)


def _denied_by_statistics(path: Path, row: int) -> IngestError:
    return IngestError(f"{shorten(path)}: cannot read this Parquet file (damaged): record {row:,} holds values "
                       "outside the file's own column statistics 文件损坏")


def _dedupe(con, kind: str = "daily") -> int:
    """Conflicting duplicates to ``bad``; exact duplicates dropped (returned count); rest in ``clean``.

    Only keys seen more than once are looked at twice (a GROUP BY, not a window over every row).
    Daily readings: one aggregate per enterprise finds the enterprises with a day twice
    (``_distinct_days_sql``), and only their rows are grouped by key. Interval readings (or a file
    spanning years): a first pass groups by a 64-bit hash of the key (much cheaper than the string
    and the time), the second checks the few candidates exactly (a collision is only a candidate).
    """
    span = con.execute("SELECT min(key), max(key) FROM ok").fetchone() if kind == "daily" else (None, None)
    if span[0] is not None and (span[1] - span[0]).days < _WORD_DAYS * _MAX_WORDS:
        words = (span[1] - span[0]).days // _WORD_DAYS + 1
        candidates = f"""SELECT enterprise_id FROM (
                             SELECT enterprise_id, count(*) AS n, {_distinct_days_sql(words)} AS days
                             FROM (SELECT enterprise_id, CAST(key - DATE '{span[0].isoformat()}' AS BIGINT) AS d FROM ok)
                             GROUP BY enterprise_id) WHERE n <> days"""
        join = "SEMI JOIN candidates c ON ok.enterprise_id = c.enterprise_id"
    else:
        candidates = "SELECT hash(enterprise_id, key) AS h FROM ok GROUP BY 1 HAVING count(*) > 1"
        join = "SEMI JOIN candidates c ON hash(ok.enterprise_id, ok.key) = c.h"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE repeated AS
        WITH candidates AS ({candidates})
        SELECT enterprise_id, key, count(*) AS n, min(kwh) AS lo, max(kwh) AS hi, min(_row) AS first_row
        FROM ok {join}
        GROUP BY enterprise_id, key HAVING count(*) > 1
    """)
    con.execute("""
        INSERT INTO bad SELECT o._row, 'kwh', CAST(o.kwh AS VARCHAR),
            'conflicting duplicate: same enterprise and time with another kWh in this file 同一时间重复且电量不同'
        FROM ok o JOIN repeated r USING (enterprise_id, key) WHERE r.lo <> r.hi
    """)
    duplicates = con.execute("SELECT COALESCE(sum(n - 1), 0) FROM repeated WHERE lo = hi").fetchone()[0]
    con.execute("DROP TABLE IF EXISTS clean")
    if con.execute("SELECT count(*) FROM repeated").fetchone()[0] == 0:  # the usual case: no copy
        con.execute("DROP TABLE repeated")
        con.execute("ALTER TABLE ok RENAME TO clean")
        return 0
    con.execute("""
        CREATE OR REPLACE TEMP TABLE clean AS
        SELECT _row, enterprise_id, key, kwh FROM ok o WHERE NOT EXISTS
            (SELECT 1 FROM repeated r WHERE r.enterprise_id = o.enterprise_id AND r.key = o.key)
        UNION ALL
        SELECT first_row, enterprise_id, key, lo FROM repeated WHERE lo = hi
    """)
    con.execute("DROP TABLE repeated")
    con.execute("DROP TABLE ok")
    return int(duplicates)


def _fixed_offset(zone: str, low, high) -> int | None:
    """The UTC offset of ``zone`` in microseconds when it is the same over [``low``, ``high``]
    (instants when aware, wall-clock times in ``zone`` when naive), else None: a daylight-saving
    change inside the span, an unknown span, or one reaching outside FIRST_DATE..LAST_DATE (those
    rows are refused, and the exact conversion keeps them refused for the same reason)."""
    import zoneinfo

    if low is None or high is None:
        return None
    try:
        if str(low.date()) < FIRST_DATE or str(high.date()) > LAST_DATE:
            return None
    except (AttributeError, OverflowError, ValueError):  # not a datetime (an infinite value)
        return None
    tz = zoneinfo.ZoneInfo(zone)

    def offset(moment):
        return moment.astimezone(tz).utcoffset() if moment.tzinfo else moment.replace(tzinfo=tz).utcoffset()

    # One sample a day (and both ends): no zone has changed its offset for less than a day.
    day, offsets = low, {offset(high)}
    while day < high + dt.timedelta(days=1):
        offsets.add(offset(day))
        day += dt.timedelta(days=1)
    return int(offsets.pop().total_seconds()) * 1_000_000 if len(offsets) == 1 else None


def _local_time(column: str, zone: str, low, high) -> str:
    """SQL: the wall-clock time in ``zone`` of the TIMESTAMPTZ ``column``, whose values lie in
    [``low``, ``high``]. When the zone keeps one UTC offset over that span (Asia/Shanghai since 1991)
    it is added as a number — ICU's conversion cost 4.9 s for 28 M readings, the addition 0.3 s;
    otherwise (a daylight-saving change inside the span, or nothing known) DuckDB's ``timezone``."""
    micros = _fixed_offset(zone, low, high)
    if micros is None:
        return f"timezone({sql_literal(zone)}, {column})"
    return f"make_timestamp(epoch_us({column}) + {micros})"


def _instant(column: str, zone: str, low, high) -> str:
    """SQL: the instant (TIMESTAMPTZ) of the naive TIMESTAMP ``column``, a wall-clock time in ``zone``
    whose values lie in [``low``, ``high``]. With one UTC offset over that span it is subtracted as a
    number: ``to_timestamp`` of the seconds is exact to the microsecond (µs since 1970 up to 2112 fit
    a double's 52 bits, and DuckDB rounds back to the nearest µs;
    tests/index/test_local_days_of_interval_readings_follow_the_zone.py). ICU's
    ``timezone`` took 4.3 s of the demo's 28 M readings, this 0.6 s; it stays for a span with a change."""
    micros = _fixed_offset(zone, low, high)
    if micros is None:
        return f"timezone({sql_literal(zone)}, {column})"
    return f"to_timestamp((epoch_us({column}) - {micros}) / 1000000)"


def _resolution(con, table: str, column: str) -> int:
    """Table ``resolution`` (enterprise_id, seconds, repeats): each meter's resolution, its smallest gap
    between readings (900 s when it has none), from the TIMESTAMPTZ ``column`` of ``table``; returns
    how many readings repeat an instant of their meter (gaps of 0). Ordered by the instant as an
    integer (µs since 1970): the same window over TIMESTAMPTZ values, subtracted as intervals, took
    27 s of 28 M readings instead of 4."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE resolution AS
        SELECT enterprise_id, COALESCE(min(gap) FILTER (WHERE gap > 0) / 1e6, 900) AS seconds,
               count(*) FILTER (WHERE gap = 0) AS repeats
        FROM (SELECT enterprise_id, us - lag(us) OVER (PARTITION BY enterprise_id ORDER BY us) AS gap
              FROM (SELECT enterprise_id, epoch_us({column}) AS us FROM {table}))
        GROUP BY enterprise_id
    """)
    return con.execute("SELECT COALESCE(sum(repeats), 0) FROM resolution").fetchone()[0]


def _interval_days(con, *, day_tz: str, min_completeness: float, resolved: bool = False) -> int:
    """``clean`` intervals → ``features`` per enterprise-day and the complete days as daily ``clean``.
    ``resolved``: table ``resolution`` holds the resolution of ``clean`` already."""
    zone = sql_literal(check_timezone(day_tz, "--day-tz"))
    low, high = con.execute("SELECT min(key), max(key) FROM clean").fetchone()
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE intervals AS
        SELECT _row, enterprise_id, key AS ts, kwh, {_local_time("key", day_tz, low, high)} AS local FROM clean
    """)
    if not resolved:  # the meter's resolution: its smallest gap between readings
        _resolution(con, "intervals", "ts")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE features AS
        WITH days AS (
            SELECT enterprise_id, CAST(local AS DATE) AS date, min(_row) AS _row,
                   count(*) AS intervals, sum(kwh) AS kwh, max(kwh) AS peak, avg(kwh) AS mean,
                   stddev_pop(kwh) AS sd,
                   avg(kwh) FILTER (WHERE hour(local) < 6) AS night,
                   avg(kwh) FILTER (WHERE hour(local) >= 8 AND hour(local) < 18) AS day
            FROM intervals GROUP BY ALL)
        SELECT d._row, d.enterprise_id, d.date, d.kwh, d.intervals,
               CAST(round(epoch(timezone({zone}, CAST(d.date + 1 AS TIMESTAMP))
                              - timezone({zone}, CAST(d.date AS TIMESTAMP))) / r.seconds) AS BIGINT) AS expected,
               d.peak, d.mean,
               CASE WHEN d.day > 0 THEN d.night / d.day END AS night_day_ratio,
               CASE WHEN d.mean > 0 THEN d.sd / d.mean END AS flatness
        FROM days d JOIN resolution r USING (enterprise_id)
    """)
    con.execute("ALTER TABLE features ADD COLUMN completeness DOUBLE")
    con.execute("UPDATE features SET completeness = least(1.0, intervals::DOUBLE / expected)")
    incomplete = con.execute(f"SELECT count(*) FROM features WHERE completeness < {float(min_completeness)!r}").fetchone()[0]
    con.execute(f"""CREATE OR REPLACE TEMP TABLE clean AS SELECT _row, enterprise_id, date AS key, kwh
                    FROM features WHERE completeness >= {float(min_completeness)!r}""")
    return incomplete


def validate_file(
    path: Path,
    *,
    kind: str,
    known_ids=None,
    encoding: str | None = None,
    tz: str = "Asia/Shanghai",
    day_tz: str = "Asia/Shanghai",
    min_completeness: float = 0.9,
    progress: Callable[[int, int], None] | None = None,
    con=None,
    zero_days_missing: bool = False,
    max_kwh: dict | None = None,
    checked: bool | None = None,
):
    """Validate one readings file. Returns (con, summary) with temp tables in ``con``:

    ``clean`` (_row, enterprise_id, key = date, kwh) — one value per enterprise-day,
    ``bad`` (row, field, value, reason), and for interval files ``features``.
    """
    path = check_file(path)
    if kind not in ("daily", "interval"):
        raise IngestError(f"kind {shorten(repr(kind), 40)}: accepted values are daily, interval")
    check_timezone(tz, "--tz"), check_timezone(day_tz, "--day-tz")
    con = con or _connect()
    checked = _known(con, known_ids, max_kwh) if checked is None else checked
    key_type = "DATE" if kind == "daily" else "TIMESTAMPTZ"
    con.execute(f"CREATE OR REPLACE TEMP TABLE ok (_row BIGINT, enterprise_id VARCHAR, key {key_type}, kwh DOUBLE)")
    con.execute("DELETE FROM bad")
    summary = IngestSummary(file=str(path), kind=kind)
    required = DAILY_COLUMNS if kind == "daily" else INTERVAL_COLUMNS
    # A typed daily Parquet file: ``clean`` made with only the suspect enterprises' rows checked one by one.
    fast = kind == "daily" and path.suffix.lower() == ".parquet" and _clean_daily_parquet(con, path, checked=checked,
                                                                                       summary=summary, tz=tz)
    if fast:
        if progress:
            progress(summary.rows, summary.rows)
    elif path.suffix.lower() == ".parquet" and path.exists():
        # DuckDB reads the file itself: no Python batches, no copy of the whole file in memory.
        summary.rows = _parquet_relation(con, path, required)
        with _reading_parquet(path):
            schema = con.execute("SELECT * FROM batch LIMIT 0").arrow().schema
            _validate_relation(con, schema, kind=kind, checked=checked, tz=tz, materialise=False)
        con.execute("DROP VIEW batch")
        _check_statistics(con, path, kind=kind, checked=checked)
        if progress:
            progress(summary.rows, summary.rows)
    else:
        for batch in read_batches(path, encoding=encoding, progress=progress):
            _require(path, batch, required)
            summary.rows += len(batch)
            _validate_batch(con, batch.select([*required, "_row"]), kind=kind, checked=checked, tz=tz)
    if not fast:
        resolved = kind == "interval" and _resolution(con, "ok", "key") == 0
        if resolved:
            # No meter gives an instant twice (no gap of 0 in its own order): nothing to de-duplicate, and
            # the resolution just computed is the clean rows' own (the hash search cost 6 of 35 s at 28 M).
            con.execute("DROP TABLE IF EXISTS clean")
            con.execute("ALTER TABLE ok RENAME TO clean")
        else:
            summary.duplicate = _dedupe(con, kind)
        if kind == "interval":
            summary.days_incomplete = _interval_days(con, day_tz=day_tz, min_completeness=min_completeness, resolved=resolved)
    if zero_days_missing:
        # Some publishers write a missing day as 0 (e.g. the Cambridge estates archive): a whole day
        # of exactly zero kWh is then "no reading", not "closed".
        if kind == "interval":
            con.execute("DELETE FROM features WHERE kwh = 0")
        summary.zero_days = con.execute("SELECT count(*) FROM clean WHERE kwh = 0").fetchone()[0]
        con.execute("DELETE FROM clean WHERE kwh = 0")
    return con, summary


def _clean_daily_parquet(con, path: Path, *, checked: bool, summary: IngestSummary, tz: str) -> bool:
    """Table ``clean`` (and ``bad``, ``summary``) from a daily Parquet file of typed columns, without
    parsing every row: ``_clean_parquet``'s one aggregate per enterprise finds the enterprises whose
    rows hold something to reject (an unknown id, a day twice, a missing date, a kWh out of bounds);
    only their rows take the checking path (parse, statistics check, duplicates), the others are
    copied as they are read. The demo's 60 M readings with 18 to reject: 36 → about 22 s. Reasons,
    row numbers and counts are those of the checking path. False (nothing made) when the file's
    types or dates ask for the checking path for every row."""
    with _reading_parquet(path):
        outcome = _clean_parquet(con, path, known=lambda: checked, summary=summary, zero_days_missing=False, partial=True)
        if not outcome:
            return False
        pf = _parquet_file(path)
        names = {_normalise(c): c for c in pf.schema_arrow.names}
        quoted = {c: '"' + names[c].replace('"', '""') + '"' for c in DAILY_COLUMNS}
        source = f"read_parquet({sql_literal(str(path))}, file_row_number = true)"
        eid = f"CAST({quoted['enterprise_id']} AS VARCHAR)"
        dirty = "(SELECT enterprise_id FROM fugong_dirty WHERE enterprise_id IS NOT NULL)"
        fast_rows = "" if outcome != "partial" else f"WHERE {quoted['enterprise_id']} IS NOT NULL AND {eid} NOT IN {dirty}"
        con.execute(f"""CREATE OR REPLACE TEMP TABLE fast_clean AS
                        SELECT CAST(file_row_number + 1 AS BIGINT) AS _row, {eid} AS enterprise_id,
                               {quoted['date']} AS key, CAST({quoted['kwh']} AS DOUBLE) AS kwh
                        FROM {source} {fast_rows}""")
        con.execute(f"DROP VIEW IF EXISTS {outcome}")
        con.execute("DROP VIEW IF EXISTS fugong_source")
        # The aggregate read the file under its own column statistics, which DuckDB trusts: a damaged
        # page can hide a negative or missing kWh from it (a comparison the statistics "prove" is
        # folded away). The table just written has statistics of its own, true ones: against them
        # this costs nothing when the rows are sound.
        denied = con.execute("SELECT min(_row) FROM fast_clean WHERE kwh IS NULL OR NOT (kwh >= 0)").fetchone()[0]
        if denied is not None:
            raise _denied_by_statistics(path, denied)
        if outcome == "partial":
            # The complement of the rows above, through the checking path (its ``ok``, then ``clean``).
            checked_rows = ", ".join(f"{quoted[c]} AS {c}" for c in DAILY_COLUMNS)
            con.execute(f"""CREATE OR REPLACE TEMP VIEW batch AS SELECT {checked_rows}, file_row_number + 1 AS _row FROM {source}
                            WHERE {quoted['enterprise_id']} IS NULL OR {eid} IN {dirty}""")
            con.execute("CREATE OR REPLACE TEMP TABLE ok (_row BIGINT, enterprise_id VARCHAR, key DATE, kwh DOUBLE)")
            schema = con.execute("SELECT * FROM batch LIMIT 0").arrow().schema
            _validate_relation(con, schema, kind="daily", checked=checked, tz=tz, materialise=False)
            con.execute("DROP VIEW batch")
            con.execute("DROP TABLE fugong_dirty")
            _check_statistics(con, path, kind="daily", checked=checked)
            summary.duplicate = _dedupe(con, "daily")
            con.execute("INSERT INTO fast_clean SELECT _row, enterprise_id, key, kwh FROM clean")
    con.execute("DROP TABLE IF EXISTS clean")
    con.execute("DROP TABLE IF EXISTS ok")
    con.execute("ALTER TABLE fast_clean RENAME TO clean")
    return True


def write_rejects(con, summary: IngestSummary, target: Path, *, replace: bool = False) -> Path | None:
    """Write ``bad`` as CSV (file, row, field, value, reason), sorted by row; None if nothing was rejected."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad = con.execute("SELECT row, field, value, reason FROM bad ORDER BY row, field").arrow()
    if isinstance(bad, pa.RecordBatchReader):
        bad = bad.read_all()
    if len(bad) == 0:
        return None
    bad = bad.add_column(0, "file", pa.array([summary.file] * len(bad), pa.string()))
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, target = (open(target, "wb"), Path(target)) if replace else _create_new(Path(target))
    with handle:
        pacsv.write_csv(bad, handle)
    return target


def _create_new(target: Path):
    """(open binary handle, path) of a file that did not exist: ``target``, or, if it does, the same
    name with a random suffix — a rejects file never replaces another one."""
    for attempt in range(100):
        candidate = target if attempt == 0 else target.with_name(f"{target.name.removesuffix('.csv')}-{uuid.uuid4().hex[:8]}.csv")
        try:
            return open(candidate, "xb"), candidate
        except FileExistsError:
            continue
    raise IngestError(f"{target}: cannot create a new rejects file")


def rejects_target(settings, path: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    return Path(settings.rejects_dir) / f"{Path(path).stem[:80]}-{stamp}-{uuid.uuid4().hex[:12]}.rejects.csv"


def _arrow(con, sql: str):
    import pyarrow as pa

    out = con.execute(sql).arrow()
    return out.read_all() if isinstance(out, pa.RecordBatchReader) else out


# --- readings into the store -----------------------------------------------------------------------


def ingest_readings(
    *,
    settings,
    path: Path,
    kind: str = "daily",
    replace: bool = False,
    encoding: str | None = None,
    tz: str = "Asia/Shanghai",
    day_tz: str = "Asia/Shanghai",
    min_completeness: float = 0.9,
    actor: str = "cli",
    progress: Callable[[int, int], None] | None = None,
    on_wait: Callable[[], None] | None = None,
    max_kwh: dict | None = None,
) -> IngestSummary:
    """Validate a daily or interval file and merge it into the store (atomic; idempotent).

    The whole ingest runs under the store's writers' lock (``store.writing``): a second ingest waits,
    so both compare against the store as the other left it. Daily totals, interval features and the
    audit entries commit in one manifest swap (``Transaction.commit``).
    """
    from fugong.index import store

    settings.ensure_dirs()
    with store.writing(settings, on_wait=on_wait) as txn:
        known = txn.base.read_enterprises(["enterprise_id", "size_class"])
        con, summary = validate_file(path, kind=kind, known_ids=known, encoding=encoding, tz=tz, day_tz=day_tz,
                                     min_completeness=min_completeness, progress=progress, max_kwh=max_kwh)
        _merge_readings(txn, con, summary, path=path, kind=kind, replace=replace, actor=actor)
    return summary


def _merge_readings(txn, con, summary: IngestSummary, *, path: Path, kind: str, replace: bool, actor: str) -> None:
    """Compare ``clean`` with the stored months, write what changed, and commit (with its audit)."""
    from fugong.index.store import sql_literal

    months = {f"{m // 100:04d}-{m % 100:02d}" for (m,) in con.execute("SELECT DISTINCT year(key) * 100 + month(key) FROM clean").fetchall()}
    stored_files = txn.base.files("daily", months)
    if stored_files:
        listing = ", ".join(sql_literal(str(f)) for f in stored_files)
        # A view: the stored months are read where needed, not copied into memory.
        con.execute(f"CREATE OR REPLACE TEMP VIEW stored AS SELECT enterprise_id, date, kwh, source FROM read_parquet([{listing}])")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE stored (enterprise_id VARCHAR, date DATE, kwh DOUBLE, source VARCHAR)")
    con.execute(f"""
        CREATE OR REPLACE TEMP {"TABLE" if stored_files else "VIEW"} compared AS
        SELECT c._row, c.enterprise_id, c.key AS date, c.kwh, s.kwh AS stored_kwh,
               CASE WHEN s.kwh IS NULL THEN 'new' WHEN {same_kwh("s.kwh", "c.kwh")} THEN 'same' ELSE 'differs' END AS status
        FROM clean c LEFT JOIN stored s ON s.enterprise_id = c.enterprise_id AND s.date = c.key
    """)
    counts = dict(con.execute("SELECT status, count(*) FROM compared GROUP BY status").fetchall())
    if not replace:
        con.execute("""
            INSERT INTO bad SELECT _row, 'kwh', CAST(kwh AS VARCHAR),
                'differs from stored value ' || CAST(stored_kwh AS VARCHAR) || ' (use --replace) 与已存值不同'
            FROM compared WHERE status = 'differs'
        """)
    if kind == "daily":  # interval duplicates are counted per interval row, below
        summary.duplicate += counts.get("same", 0)
    changes = "('new', 'differs')" if replace else "('new')"
    changed_n = counts.get("new", 0) + (counts.get("differs", 0) if replace else 0)
    summary.replaced = counts.get("differs", 0) if replace else 0
    summary.rejected = con.execute("SELECT count(*) FROM bad").fetchone()[0]
    summary.accepted = (summary.rows - summary.rejected - summary.duplicate) if kind == "interval" else changed_n
    if kind == "interval" and counts and not counts.get("new") and not counts.get("differs"):
        # A re-ingested interval file: every day equals the stored one.
        summary.duplicate, summary.accepted = summary.rows - summary.rejected, 0
    summary.changed_dates = sorted(d for (d,) in con.execute(f"SELECT DISTINCT date FROM compared WHERE status IN {changes}").fetchall())
    summary.rejects_path = write_rejects(con, summary, rejects_target(txn.settings, path))

    touched = {d.strftime("%Y-%m") for d in summary.changed_dates}
    if touched:
        rewrite = _months_to_rewrite(con, touched, stored_files, replaced=bool(summary.replaced))
        month_list = ", ".join(sql_literal(m) for m in sorted(rewrite))
        # The source as an ENUM: written as the same Parquet strings, 2.5 of 13 s faster than a text per row.
        kept = f"""SELECT s.enterprise_id, s.date, s.kwh, CAST(s.source AS {SOURCES}) AS source FROM stored s
                   WHERE strftime(s.date, '%Y-%m') IN ({month_list})
                     AND NOT EXISTS (SELECT 1 FROM compared c WHERE c.status IN {changes}
                                     AND c.enterprise_id = s.enterprise_id AND c.date = s.date)
                   UNION ALL """ if rewrite else ""
        added = txn.write_months("daily", con, f"""
            SELECT enterprise_id, date, kwh, source, year(date) * 100 + month(date) AS month FROM (
                {kept}SELECT enterprise_id, date, kwh, CAST('{kind}' AS {SOURCES}) AS source FROM compared WHERE status IN {changes})
            """)  # not sorted: a sort costs more than it saves (months are files already)
        txn.replace("daily", added=added, months=rewrite)
    features_changed = _store_features(txn, con) if kind == "interval" else False
    if not touched and not features_changed:
        return
    if replace and summary.replaced:
        rows = con.execute("SELECT enterprise_id, date, stored_kwh, kwh FROM compared WHERE status = 'differs' ORDER BY date, enterprise_id").fetchall()
        for enterprise_id, date, before, after in rows:
            txn.audit(actor=actor, action="meter_reading.replace", entity="meter_reading",
                      entity_id=f"{enterprise_id}/{date.isoformat()}", before={"kwh": before}, after={"kwh": after},
                      reason=f"--replace from {Path(path).name}")
    txn.audit(actor=actor, action=f"meter_readings.ingest_{kind}", entity="meter_readings", entity_id=Path(path).name[:120],
              after={"rows": summary.rows, "accepted": summary.accepted, "rejected": summary.rejected,
                     "duplicate": summary.duplicate, "replaced": summary.replaced,
                     "changed_days": len(summary.changed_dates),
                     "first_day": summary.changed_dates[0] if summary.changed_dates else None,
                     "last_day": summary.changed_dates[-1] if summary.changed_dates else None,
                     "rejects": summary.rejects_path.name if summary.rejects_path else None},
              reason=f"ingest {kind} from {Path(path).name}"[:500])
    txn.commit()


SOURCES = "ENUM('daily', 'interval')"  # the stored readings' ``source``: the kind of file they came from

# A month's stored readings are rewritten once this many part files hold them; until then new rows
# only are written, as one more part (a new day no longer rewrites its month's 10 M readings).
MONTH_PARTS = 12


def _months_to_rewrite(con, touched: set[str], stored_files: list, *, replaced: bool) -> set[str]:
    """The touched months whose stored part files are replaced by one part holding old and new rows:
    the months where a stored reading is replaced (``--replace``), and the months that hold
    ``MONTH_PARTS`` parts already. In the others the new readings are one more part (a key is never in
    two parts: only keys not stored are new)."""
    from fugong.index.store import month_of

    changed = set()
    if replaced:
        changed = {m for (m,) in con.execute("SELECT DISTINCT strftime(date, '%Y-%m') FROM compared WHERE status = 'differs'").fetchall()}
    parts: dict[str, int] = {}
    for path in stored_files:
        month = month_of(Path(path).as_posix())
        parts[month] = parts.get(month, 0) + 1
    return {m for m in touched if m in changed or parts.get(m, 0) >= MONTH_PARTS}


FEATURE_COLUMNS = "enterprise_id, date, kwh, intervals, expected, completeness, peak, mean, night_day_ratio, flatness"


def _store_features(txn, con) -> bool:
    """Merge the interval features into interval_days (derived data: replaced by key) in ``txn``.
    Returns False when every feature row equals the stored one (a re-ingested file)."""
    from fugong.index.store import sql_literal

    months = {m for (m,) in con.execute("SELECT DISTINCT strftime(date, '%Y-%m') FROM features").fetchall()}
    if not months:
        return False
    files = txn.base.files("interval_days", months)
    cols = FEATURE_COLUMNS
    old = f"SELECT {cols} FROM read_parquet([{', '.join(sql_literal(str(f)) for f in files)}])" if files else None
    if old:
        con.execute(f"CREATE OR REPLACE TEMP VIEW old_features AS {old}")
        fresh = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM features EXCEPT SELECT {cols} FROM old_features)").fetchone()[0]
        if fresh == 0:
            return False
    added = []
    for month in sorted(months):
        parts = [f"SELECT {cols} FROM features WHERE strftime(date, '%Y-%m') = {sql_literal(month)}"]
        if old:
            parts.append(f"""SELECT * FROM old_features o WHERE strftime(o.date, '%Y-%m') = {sql_literal(month)} AND NOT EXISTS
                (SELECT 1 FROM features f WHERE f.enterprise_id = o.enterprise_id AND f.date = o.date)""")
        table = _arrow(con, " UNION ALL ".join(parts) + " ORDER BY date, enterprise_id")
        added.append(txn.write_part("interval_days", month, table))
    txn.replace("interval_days", added=added, months=months)
    return True


# --- enterprises -------------------------------------------------------------------------------------


def validate_enterprises(path: Path, *, encoding: str | None = None):
    """(clean pyarrow table, bad pyarrow table, rows, duplicates) for an enterprises file."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from fugong.index.attributes import section_of

    batches = list(read_batches(path, encoding=encoding))
    if not batches:
        raise IngestError(f"{shorten(path)}: no rows")
    table = pa.concat_tables(batches, promote_options="permissive")
    _require(Path(path), table, ENTERPRISE_COLUMNS)
    for col in ENTERPRISE_OPTIONAL:
        if col not in table.column_names:
            table = table.append_column(col, pa.nulls(len(table), pa.string()))
    table = table.select(["_row", *ENTERPRISE_COLUMNS, *ENTERPRISE_OPTIONAL])
    table = pa.table({c: table[c] if c == "_row" else _tidy(table[c].cast(pa.string()), code=c in ("region_code", "industry_code", "size_class", "uscc"))
                      for c in table.column_names})
    regions_ok = _region_checker()
    region_codes = sorted(c for c in pc.unique(table["region_code"]).to_pylist() if c)  # once per distinct code
    industry_codes = sorted(c for c in pc.unique(table["industry_code"]).to_pylist() if c)
    con = _connect()
    if (table["enterprise_id"].null_count == 0 and table["region_code"].null_count == 0 and table["industry_code"].null_count == 0
            and all(regions_ok(c) for c in region_codes) and all(section_of(c) is not None for c in industry_codes)
            and _ids_once(con, table)):
        # Nothing to reject and no id twice (the usual file): the rows as read, tidied — what the checks
        # below would keep, without copying 3 M rows through DuckDB and back.
        return con, table, len(table), 0
    con.register("src", table)
    con.register("region_ok", pa.table({"code": region_codes, "ok": [regions_ok(c) for c in region_codes]}))
    con.register("industry_ok", pa.table({"code": industry_codes, "ok": [section_of(c) is not None for c in industry_codes]}))
    con.execute("""
        CREATE TEMP TABLE checked AS
        SELECT s.*, CASE
            WHEN NULLIF(trim(s.enterprise_id), '') IS NULL THEN 'enterprise_id|missing enterprise_id 缺少企业编号'
            WHEN NOT COALESCE(r.ok, false) THEN 'region_code|unknown region code (GB/T 2260) 行政区划代码无效'
            WHEN NOT COALESCE(i.ok, false) THEN 'industry_code|unknown industry code (GB/T 4754-2017) 行业代码无效'
        END AS failure
        FROM src s LEFT JOIN region_ok r ON r.code = s.region_code LEFT JOIN industry_ok i ON i.code = s.industry_code
    """)
    con.execute("""
        INSERT INTO bad SELECT _row, split_part(failure, '|', 1),
            shown(CASE split_part(failure, '|', 1) WHEN 'region_code' THEN region_code WHEN 'industry_code' THEN industry_code
                 ELSE enterprise_id END), split_part(failure, '|', 2)
        FROM checked WHERE failure IS NOT NULL
    """)
    # Only ids given more than once are compared row by row (one GROUP BY finds them; a window over
    # every row cost 30 s at 3 M enterprises).
    con.execute("""CREATE TEMP TABLE repeated AS SELECT enterprise_id FROM checked WHERE failure IS NULL
                   GROUP BY enterprise_id HAVING count(*) > 1""")
    con.execute("""
        CREATE TEMP TABLE keyed AS SELECT *,
            count(DISTINCT (region_code, industry_code, size_class, name, uscc)) OVER (PARTITION BY enterprise_id) AS n,
            row_number() OVER (PARTITION BY enterprise_id ORDER BY _row) AS nth
        FROM checked WHERE failure IS NULL AND enterprise_id IN (SELECT enterprise_id FROM repeated)
    """)
    con.execute("""INSERT INTO bad SELECT _row, 'enterprise_id', shown(enterprise_id),
                   'conflicting duplicate: same enterprise_id with other attributes in this file 企业编号重复且属性不同'
                   FROM keyed WHERE n > 1""")
    duplicates = con.execute("SELECT count(*) FROM keyed WHERE n = 1 AND nth > 1").fetchone()[0]
    columns = "_row, enterprise_id, region_code, industry_code, size_class, name, uscc"
    clean = _arrow(con, f"""SELECT {columns} FROM checked WHERE failure IS NULL AND enterprise_id NOT IN (SELECT enterprise_id FROM repeated)
                            UNION ALL SELECT {columns} FROM keyed WHERE n = 1 AND nth = 1""")
    return con, clean, len(table), duplicates


def _ids_once(con, table) -> bool:
    """Each ``enterprise_id`` of ``table`` (no nulls) once. A file ordered by id (as registries export)
    proves it in one comparison of neighbours, 0.03 s at 3 M ids; otherwise one GROUP BY in ``con``
    (0.7 s)."""
    import pyarrow.compute as pc

    ids = table["enterprise_id"].combine_chunks()
    if len(ids) < 2 or pc.all(pc.less(ids.slice(0, len(ids) - 1), ids.slice(1))).as_py():
        return True
    con.register("src", table)
    return con.execute("SELECT count(*) FROM (SELECT enterprise_id FROM src GROUP BY 1 HAVING count(*) > 1)").fetchone()[0] == 0


# A day summed from interval readings and the same day read from a daily export differ in the last
# bits (577.7141320542067 vs ...069): floating-point addition order, not a different reading. Values
# within this relative tolerance are the same reading; anything larger is a conflict.
SAME_KWH_RELATIVE = 1e-9


def same_kwh(a: str, b: str) -> str:
    """SQL: the two kWh columns hold the same reading (within SAME_KWH_RELATIVE)."""
    return f"(abs({a} - {b}) <= {SAME_KWH_RELATIVE!r}::DOUBLE * greatest(abs({a}), abs({b})))"


def _region_checker():
    """A code is valid if any shipped GB/T 2260 vintage knows it: data carries its own year's codes.
    A malformed code (' ', '33010X') is not valid: its row is rejected, the file is not refused."""
    from fugong.reference import regions

    def valid(code: str) -> bool:
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            return False
        try:
            return regions.find_in_any_vintage(code) is not None
        except ValueError:
            return False

    return valid


def _tidy(column, *, code: bool):
    """Strings as stored: surrounding spaces removed ('330106 ' is 330106), empty → null; codes also
    get full-width digits and letters as ASCII (NFKC: '３３０１０６' is 330106)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = pc.utf8_trim_whitespace(column)
    if code:
        values = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        encoded = values.dictionary_encode()  # once per distinct value
        mapped = pc.utf8_trim_whitespace(pc.utf8_normalize(encoded.dictionary, form="NFKC"))
        column = pc.take(mapped, encoded.indices)
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


def ingest_enterprises(*, settings, path: Path, replace: bool = False, encoding: str | None = None, actor: str = "cli",
                       on_wait: Callable[[], None] | None = None) -> IngestSummary:
    """Validate an enterprises file and merge it into the store (by enterprise_id), under the
    writers' lock; the merged table and its audit entries commit in one manifest swap."""
    import pyarrow as pa

    from fugong.index import store

    settings.ensure_dirs()
    con, clean, rows, duplicates = validate_enterprises(path, encoding=encoding)
    summary = IngestSummary(file=str(path), kind="enterprises", rows=rows, duplicate=duplicates)
    cols = ["enterprise_id", "region_code", "industry_code", "size_class", "name", "uscc"]
    with store.writing(settings, on_wait=on_wait) as txn:
        try:
            stored = txn.base.read_enterprises().select(cols)
        except FileNotFoundError:
            stored = pa.table({c: pa.array([], pa.string()) for c in cols})
        con.register("stored", stored)
        con.register("clean", clean)
        con.execute("""
            CREATE TEMP TABLE compared AS SELECT c.*, CASE WHEN s.enterprise_id IS NULL THEN 'new'
                WHEN (c.region_code, c.industry_code, c.size_class, c.name, c.uscc)
                     IS NOT DISTINCT FROM (s.region_code, s.industry_code, s.size_class, s.name, s.uscc) THEN 'same'
                ELSE 'differs' END AS status,
                s.region_code AS old_region, s.industry_code AS old_industry, s.size_class AS old_size
            FROM clean c LEFT JOIN stored s USING (enterprise_id)
        """)
        counts = dict(con.execute("SELECT status, count(*) FROM compared GROUP BY status").fetchall())
        summary.duplicate += counts.get("same", 0)
        if not replace:
            con.execute("""INSERT INTO bad SELECT _row, 'enterprise_id', enterprise_id,
                           'differs from the stored enterprise (use --replace) 与已存企业信息不同' FROM compared WHERE status = 'differs'""")
        summary.replaced = counts.get("differs", 0) if replace else 0
        summary.accepted = counts.get("new", 0) + summary.replaced
        summary.rejected = con.execute("SELECT count(*) FROM bad").fetchone()[0]
        summary.rejects_path = write_rejects(con, summary, rejects_target(settings, path))
        if not summary.accepted:
            return summary
        changes = "('new', 'differs')" if replace else "('new')"
        merged = _arrow(con, f"""
            SELECT {', '.join(cols)} FROM stored s WHERE NOT EXISTS
                (SELECT 1 FROM compared c WHERE c.status IN {changes} AND c.enterprise_id = s.enterprise_id)
            UNION ALL SELECT {', '.join(cols)} FROM compared WHERE status IN {changes}
            ORDER BY enterprise_id""")
        txn.set_enterprises(merged)
        if summary.replaced:
            for eid, region, industry, size, old_region, old_industry, old_size in con.execute(
                "SELECT enterprise_id, region_code, industry_code, size_class, old_region, old_industry, old_size "
                "FROM compared WHERE status = 'differs'").fetchall():
                txn.audit(actor=actor, action="enterprise.replace", entity="index_enterprise", entity_id=eid,
                          region_code=region, before={"region_code": old_region, "industry_code": old_industry, "size_class": old_size},
                          after={"region_code": region, "industry_code": industry, "size_class": size},
                          reason=f"--replace from {Path(path).name}")
        txn.audit(actor=actor, action="index_enterprises.ingest", entity="index_enterprises", entity_id=Path(path).name[:120],
                  after={"rows": summary.rows, "accepted": summary.accepted, "new": counts.get("new", 0),
                         "replaced": summary.replaced, "rejected": summary.rejected, "stored": merged.num_rows},
                  reason=f"ingest enterprises from {Path(path).name}"[:500])
        txn.commit()
    return summary


def read_enterprises_file(path: Path, *, encoding: str | None = None, rejects: Path | None = None):
    """The enterprises file of ``fugong index compute`` / ``first-resumption``, validated as ``ingest
    enterprises`` validates it (missing columns refused; bad codes, missing ids and conflicting
    duplicates rejected by row, to ``rejects`` when given). Returns (table without ``_row``, summary)."""
    con, clean, rows, duplicates = validate_enterprises(path, encoding=encoding)
    summary = IngestSummary(file=str(path), kind="enterprises", rows=rows, duplicate=duplicates, accepted=clean.num_rows)
    summary.rejected = con.execute("SELECT count(*) FROM bad").fetchone()[0]
    if rejects is not None:
        summary.rejects_path = write_rejects(con, summary, rejects, replace=True)
    if not clean.num_rows:
        raise IngestError(f"{shorten(path)}: no valid enterprise rows ({summary.rejected:,} rejected"
                          + (f", see {summary.rejects_path}" if summary.rejects_path else "") + ") 没有有效的企业")
    return clean.drop_columns(["_row"]), summary


def read_readings_for_compute(paths: list[Path], *, known_ids=None, encoding: str | None = None, tz: str = "Asia/Shanghai",
                              day_tz: str = "Asia/Shanghai", min_completeness: float = 0.9, rejects: Path | None = None,
                              zero_days_missing: bool = False, max_kwh: dict | None = None):
    """``readings_in_engine`` on a connection of its own, as a pyarrow table (enterprise_id, date, kwh)."""
    con = _connect()
    name, summaries, _ = readings_in_engine(paths, con=con, known_ids=known_ids, encoding=encoding, tz=tz, day_tz=day_tz,
                                            min_completeness=min_completeness, rejects=rejects,
                                            zero_days_missing=zero_days_missing, max_kwh=max_kwh)
    return _arrow(con, f"SELECT enterprise_id, date, kwh FROM {name}"), summaries


def readings_in_engine(paths: list[Path], *, con, known_ids=None, encoding: str | None = None, tz: str = "Asia/Shanghai",
                       day_tz: str = "Asia/Shanghai", min_completeness: float = 0.9, rejects: Path | None = None,
                       zero_days_missing: bool = False, max_kwh: dict | None = None, unique_ids: bool = False,
                       also=None) -> tuple[str, list, str | None]:
    """Stateless form: validate daily or interval files (kind from the columns) inside DuckDB connection
    ``con`` (the index engine's own, so nothing is copied out). Returns (name of a relation in ``con``
    with enterprise_id, date, kwh; list of summaries; ``PER_ENTERPRISE`` or None). Later files do not
    override earlier ones: a day given twice with different values is rejected in the later file.

    A clean daily Parquet file (typed date and kWh columns) takes the fast path, ``_clean_parquet``: one
    aggregate per enterprise proves there is nothing to reject, and the relation is a view over the
    file itself. Anything else (a row to reject, CSV, interval files) goes through ``validate_file``,
    whose tables stay in DuckDB. Reasons, rejects file and summary are the same either way.

    ``also(table, accepted)``: more per-enterprise Ibis reductions {name: reduction} over an Ibis table
    of (enterprise_id, date, kwh) rows, counting only the ``accepted`` rows (an Ibis boolean, or None
    for all) — the index's baselines (``compute.baseline_aggregates``). On the fast path they are
    computed in the check's own pass over the file and kept in table ``PER_ENTERPRISE``
    (enterprise_id and those columns), whose name is returned; otherwise None (the caller computes them).
    ``unique_ids``: each id of ``known_ids`` is there once (``read_enterprises_file``'s table).
    ``known_ids`` may be a function returning them: it is called when they are first needed — after the
    in-place check's aggregate, which needs no enterprise — so that the caller can read its
    enterprises file meanwhile (``fugong index compute`` does, in a thread).
    """
    _connect(con)
    con.execute(f"DROP TABLE IF EXISTS {PER_ENTERPRISE}")
    later = known_ids if callable(known_ids) else None
    checked = None if later else _known(con, known_ids, max_kwh, unique=unique_ids)

    def known_now() -> bool:
        nonlocal checked
        if checked is None:
            checked = _known(con, later(), max_kwh, unique=unique_ids)
        return checked

    summaries, parts = [], []
    used: set[Path] = set()
    for n, path in enumerate(paths):
        path = check_file(path)
        kind = _kind_of(path, encoding)
        summary = IngestSummary(file=str(path), kind=kind)
        with _reading_parquet(path):
            fast = (len(paths) == 1 and kind == "daily" and path.suffix.lower() == ".parquet"
                    and _clean_parquet(con, path, known=known_now, summary=summary, zero_days_missing=zero_days_missing,
                                       also=also))
        if fast:
            con.execute("DELETE FROM bad")
            parts.append(fast)
        else:
            _con, summary = validate_file(path, kind=kind, known_ids=None, encoding=encoding, tz=tz, day_tz=day_tz,
                                          min_completeness=min_completeness, zero_days_missing=zero_days_missing,
                                          con=con, checked=known_now())
            table = f"readings_{n}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT enterprise_id, key AS date, kwh, _row FROM clean")
            con.execute("DROP TABLE clean")
            if parts:
                seen = " UNION ALL ".join(f"SELECT enterprise_id, date, kwh FROM {p}" for p in parts)
                con.execute(f"CREATE OR REPLACE TEMP VIEW seen AS {seen}")
                con.execute(f"""INSERT INTO bad SELECT t._row, 'kwh', CAST(t.kwh AS VARCHAR), 'differs from an earlier file 与之前文件的值不同'
                               FROM {table} t JOIN seen s USING (enterprise_id, date) WHERE NOT """ + same_kwh("s.kwh", "t.kwh"))
                summary.duplicate += con.execute(f"SELECT count(*) FROM {table} t JOIN seen s USING (enterprise_id, date) WHERE "
                                                 + same_kwh("s.kwh", "t.kwh")).fetchone()[0]
                con.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM seen s WHERE s.enterprise_id = t.enterprise_id AND s.date = t.date)")
            summary.rejected = con.execute("SELECT count(*) FROM bad").fetchone()[0]
            summary.accepted = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            parts.append(table)
        if rejects is not None:
            target = rejects if len(paths) == 1 else rejects.with_name(f"{Path(path).stem}.{rejects.name}")
            while target in used:  # two inputs of the same name in different folders
                target = target.with_name(f"{len(used)}.{target.name}")
            used.add(target)
            summary.rejects_path = write_rejects(con, summary, target, replace=True)  # the file the user named
        summaries.append(summary)
    union = " UNION ALL ".join(f"SELECT enterprise_id, date, kwh FROM {p}" for p in parts)
    con.execute(f"CREATE OR REPLACE TEMP VIEW fugong_readings AS {union}")
    exists = "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?"
    folded = con.execute(exists, [PER_ENTERPRISE]).fetchone()[0] > 0
    return "fugong_readings", summaries, PER_ENTERPRISE if folded else None


def _kind_of(path: Path, encoding: str | None) -> str:
    """'interval' when the file has a timestamp column, else 'daily' (read from the header or schema)."""
    if path.suffix.lower() == ".parquet":
        names = [_normalise(c) for c in _parquet_file(path).schema_arrow.names]
    else:
        names = [_normalise(c) for c in header_names(path, encoding or detect_encoding(path))]
    return "interval" if "timestamp" in names else "daily"


# Days per 64-bit word of the duplicate check (bit 63 is the sign).
_WORD_DAYS = 62
_MAX_WORDS = 8
PER_ENTERPRISE = "fugong_per_enterprise"  # the table of ``readings_in_engine``'s ``also`` reductions


def _clean_parquet(con, path: Path, *, known: Callable[[], bool], summary: IngestSummary, zero_days_missing: bool,
                   also=None, partial: bool = False) -> str | bool:
    """If a daily Parquet file has nothing to reject, a view over it (name) and its summary; else False.
    With ``partial``, a file with rows to reject gives "partial" instead, with table ``fugong_dirty``
    (enterprise_id: the ids, as read, whose rows are to be checked row by row; the others are clean)
    and ``summary.rows`` (see ``_clean_daily_parquet``).

    One aggregate per enterprise over the raw columns (no per-row parsing) decides it::

        n = count(*)
        top = max(kWh, or +inf when the
              kWh is missing or negative)  top > the size-class bound → a kWh to reject (NaN, inf too)
        low = min(kWh)                   below 0 → a kWh to reject that the file's statistics hid:
                                         DuckDB folds ``kWh >= 0`` away when they say so (a damaged
                                         page), but computes a grouped min from the values
        min(date), max(date)             outside FIRST_DATE..LAST_DATE (the file's statistics)
        OR of 2^(day − first day)        popcount = n ⇔ no day twice and no missing date
                                         (one 64-bit word per 62 days)
        enterprise id                    unknown, empty, or with surrounding spaces

    Only whether a row is to be rejected is decided here (the fewer aggregates, the faster the pass:
    one ``top`` instead of count(kWh), min and max saved 2 s of 10 at 173 M rows); which row and why
    is ``validate_file``'s work when this says no.

    ``also(table, accepted)`` (see ``readings_in_engine``) adds per-enterprise reductions to the same
    pass — the engine's baselines, so that the file is read twice in all (this check with the
    baselines, then the period), as a hand-written query reads it; they are kept in table
    ``PER_ENTERPRISE`` when the file is clean.
    """
    import duckdb
    import ibis
    import pyarrow as pa

    pf = _parquet_file(path)
    _unique_names(path, pf.schema_arrow.names)  # a column twice is refused here as in validate_file
    names = {_normalise(c): c for c in pf.schema_arrow.names}
    if any(c not in names for c in DAILY_COLUMNS):
        return False
    types = {c: pf.schema_arrow.field(names[c]).type for c in DAILY_COLUMNS}
    if not (pa.types.is_date(types["date"]) and (pa.types.is_floating(types["kwh"]) or pa.types.is_integer(types["kwh"]))
            and (pa.types.is_string(types["enterprise_id"]) or pa.types.is_large_string(types["enterprise_id"])
                 or (pa.types.is_dictionary(types["enterprise_id"]) and pa.types.is_string(types["enterprise_id"].value_type)))):
        return False
    low, high = _date_range(pf, names["date"])
    if low is None or str(low) < FIRST_DATE or str(high) > LAST_DATE or (high - low).days >= _WORD_DAYS * _MAX_WORDS:
        return False
    quoted = {c: '"' + names[c].replace('"', '""') + '"' for c in DAILY_COLUMNS}
    words = range((high - low).days // _WORD_DAYS + 1)
    # bit_W: 2^(day offset) in word W (days W·62 … W·62 + 61 after the first day), else 0; a missing
    # date gives no bit. With one word the shift needs no CASE (a second of the pass at 173 M rows):
    # a day outside the statistics of a damaged file makes DuckDB refuse the shift, and the file takes
    # the checking path. Written here, not in Ibis, which types 1 as INTEGER.
    offset = f"CAST({quoted['date']} - DATE '{low.isoformat()}' AS BIGINT)"
    if len(words) == 1:
        bits = f", CAST(1 AS BIGINT) << {offset} AS bit_0"
    else:
        bits = "".join(f""", CASE WHEN {offset} >= {w * _WORD_DAYS} AND {offset} < {(w + 1) * _WORD_DAYS}
                               THEN CAST(1 AS BIGINT) << ({offset} - {w * _WORD_DAYS}) ELSE CAST(0 AS BIGINT) END AS bit_{w}"""
                       for w in words)
    # kwh_or_inf: +inf for a missing or negative kWh (−inf too), so that one max() above the bound
    # finds every kWh to reject: +inf is above it, and so is NaN (DuckDB orders NaN above every number).
    kwh = f"CAST({quoted['kwh']} AS DOUBLE)"
    con.execute(f"""CREATE OR REPLACE TEMP VIEW fugong_source AS
                    SELECT CAST({quoted['enterprise_id']} AS VARCHAR) AS enterprise_id, {quoted['date']} AS date,
                           {kwh} AS kwh, CASE WHEN {kwh} >= 0 THEN {kwh} ELSE 'inf'::DOUBLE END AS kwh_or_inf {bits}
                    FROM read_parquet({sql_literal(str(path))})""")
    t = ibis.table({"enterprise_id": "string", "date": "date", "kwh": "float64", "kwh_or_inf": "float64",
                    **{f"bit_{w}": "int64" for w in words}}, name="fugong_source")
    checks = {"n": t.count(), "top": t.kwh_or_inf.max(), "low": t.kwh.min()}
    for w in words:
        checks[f"days_{w}"] = t[f"bit_{w}"].bit_or()
    if zero_days_missing:
        checks["zeros"] = (t.kwh == 0).sum()
    extra = (also(t, (t.kwh != 0) if zero_days_missing else None) or {}) if also else {}
    query = ibis.to_sql(t.group_by("enterprise_id").aggregate(**checks, **extra), dialect="duckdb")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE per_enterprise AS {query}")
    except duckdb.OutOfRangeException:  # a date outside the file's own statistics
        return False
    checked = known()  # relation ``known`` registered (when first asked); False when no ids are checked
    # bit_count is a TINYINT: cast before adding the words (183 days overflowed it).
    days = " + ".join(f"CAST(COALESCE(bit_count(p.{c}), 0) AS BIGINT)" for c in checks if c.startswith("days_"))
    bound = "COALESCE(k.max_kwh, %r)" % float(MAX_KWH[None]) if checked else repr(float(MAX_KWH[None]))
    unknown = "OR k.enterprise_id IS NULL" if checked else ""
    join = "LEFT JOIN known k USING (enterprise_id)" if checked else ""
    condition = f"""p.enterprise_id IS NULL OR trim(p.enterprise_id) <> p.enterprise_id OR p.enterprise_id = ''
                     OR {days} <> p.n OR p.top > {bound} OR p.low < 0 {unknown}"""
    dirty = con.execute(f"SELECT count(*) FROM per_enterprise p {join} WHERE {condition}").fetchone()[0]
    if dirty and partial:
        con.execute(f"CREATE OR REPLACE TEMP TABLE fugong_dirty AS SELECT p.enterprise_id FROM per_enterprise p {join} WHERE {condition}")
        summary.rows = int(con.execute("SELECT COALESCE(sum(n), 0) FROM per_enterprise").fetchone()[0])
        con.execute("DROP TABLE per_enterprise")
        return "partial"
    if dirty:
        con.execute("DROP TABLE per_enterprise")
        return False
    zeros = "COALESCE(sum(zeros), 0)" if zero_days_missing else "0"
    rows, zero_days = con.execute(f"SELECT COALESCE(sum(n), 0), {zeros} FROM per_enterprise").fetchone()
    summary.rows = int(rows)
    summary.zero_days = int(zero_days)
    summary.accepted = summary.rows - summary.zero_days
    if extra:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {PER_ENTERPRISE} AS SELECT enterprise_id, {', '.join(extra)} FROM per_enterprise")
    con.execute("DROP TABLE per_enterprise")
    keep = "WHERE kwh <> 0" if zero_days_missing else ""
    con.execute(f"CREATE OR REPLACE TEMP VIEW clean_parquet AS SELECT enterprise_id, date, kwh FROM fugong_source {keep}")
    return "clean_parquet"


def _distinct_days_sql(words: int) -> str:
    """SQL aggregate: the number of distinct day offsets ``d`` (0 ≤ d < 62·words) in a group, as the
    popcount of the OR of 2^d, one 64-bit word per 62 days (so popcount = count(*) ⇔ no day twice)."""
    return " + ".join(
        f"CAST(COALESCE(bit_count(bit_or(CASE WHEN d >= {w * _WORD_DAYS} AND d < {(w + 1) * _WORD_DAYS} "
        f"THEN CAST(1 AS BIGINT) << (d - {w * _WORD_DAYS}) ELSE 0 END)), 0) AS BIGINT)" for w in range(words))


def _date_range(pf, column: str):
    """(first, last) date of a Parquet column from its row-group statistics, or (None, None)."""
    import datetime as _dt

    index = pf.schema_arrow.names.index(column)
    low = high = None
    for group in range(pf.metadata.num_row_groups):
        stats = pf.metadata.row_group(group).column(index).statistics
        if stats is None or not stats.has_min_max:
            return None, None
        a, b = stats.min, stats.max
        if not isinstance(a, _dt.date) or not isinstance(b, _dt.date):
            return None, None
        low = a if low is None or a < low else low
        high = b if high is None or b > high else high
    return low, high
