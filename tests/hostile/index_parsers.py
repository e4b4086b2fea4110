"""The index's parsers (``fugong index ingest daily|interval|enterprises``, ``fugong index compute``)
registered with the hostile-input harness, each fed through the function the CLI calls.

The store's snapshot is its manifest, every file under the Parquet folder (an unlisted part file
left behind is a partial write too) and the audit log's length: a refusal changes none of them.

A Parquet parser gets the corpus's CSV text turned into a Parquet file with typed columns where
every value parses (date32 dates, int64 or float64 kWh, timestamps), strings elsewhere — what a
publisher's export holds, NaN, inf, 1e308, year 1 and duplicated column names included — and real
Parquet bytes, cut short and damaged (a ``PAR1`` input is written as it is).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from tests.hostile.harness import Context, Parser, register, wide_csv_fields
from tests.hostile.parsers import count, rows_in

# Enterprises the hostile ctx fixture registers (tests/healthcode/helpers.TEST_ENTERPRISES, size small).
DAILY_SEED = b"enterprise_id,date,kwh\nE1,2020-02-10,15.5\nE-HZ,2020-02-10,3\nE-NB,2020-02-11,0\n"
INTERVAL_SEED = (b"enterprise_id,timestamp,kwh\nE1,2020-02-10 00:00,1.5\nE1,2020-02-10 00:15,1.25\n"
                 b"E-HZ,2020-02-10T00:00:00+08:00,2\n")
ENTERPRISE_SEED = ("enterprise_id,region_code,industry_code,size_class,name,uscc\n"
                   "G1,330106,3731,large,杭州某厂,91330106MA27XXXX1X\nG2,330203,C,small,宁波某店,\n").encode()
METER_TOKENS = ("E1", "E-NB", "nobody", "2020-02-10", "2020-02-29", "2020/2/10", "5e4", "5e7", "1e308", "-0",
                "0x10", "1_000", "15,5")
INTERVAL_TOKENS = ("2020-02-10 00:00:00Z", "2020-02-10T00:00:00+14:00", "2020-02-10 24:00", "1581292800",
                   "2020-02-10 00:00:00.999999999", "1.5", "E1")
ENTERPRISE_TOKENS = ("330106", "330100", "110101", "3731", "C", "C37", "Z", "large", "micro", "huge",
                     "91330106MA27XXXX1X", "E1")


# Each input is a whole ingest (a DuckDB validation and a store commit, ~0.25 s): a share in CI.
CI_SHARE = {"ci_inputs": 30, "ci_examples": 6}


def store_state(ctx: Context):
    """The store as a refusal must leave it: manifest, every file under it, the audit log's length."""
    from fugong.store.audit import AuditEntry

    root = Path(ctx.settings.parquet_dir)
    manifest = root / "_manifest.json"
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != ".write.lock")
    return (manifest.read_text(encoding="utf-8") if manifest.exists() else None, files, count(ctx, AuditEntry))


def _errors():
    from fugong.index.ingest import IngestError

    return (IngestError,)


# --- CSV text → a typed Parquet file --------------------------------------------------------------

def _typed(name: str, values: list):
    """A pyarrow array of ``values`` (strings or None), typed when every value parses for its column."""
    import pyarrow as pa

    present = [v for v in values if v not in (None, "")]
    column = name.strip().lower()
    cells = [None if v in (None, "") else v for v in values]
    try:
        if present and column in ("date", "日期"):
            return pa.array([None if v is None else dt.date.fromisoformat(v) for v in cells], pa.date32())
        if present and column in ("timestamp", "时间"):
            stamps = [None if v is None else dt.datetime.fromisoformat(v) for v in cells]
            aware = {s.tzinfo is not None for s in stamps if s is not None}
            if aware == {True}:
                return pa.array([None if s is None else s.astimezone(dt.timezone.utc) for s in stamps], pa.timestamp("us", "UTC"))
            if aware == {False}:
                return pa.array(stamps, pa.timestamp("us"))
        if present and column in ("kwh", "电量"):
            if all(re.fullmatch(r"-?[0-9]{1,18}", v) for v in present):
                return pa.array([None if v is None else int(v) for v in cells], pa.int64())
            return pa.array([None if v is None else float(v) for v in cells], pa.float64())
    except (ValueError, OverflowError, pa.ArrowException):
        pass
    return pa.array(cells, pa.string())


def as_parquet(path: Path) -> Path:
    """The Parquet file a harness input stands for (see the module docstring)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = path.with_suffix(".parquet")
    if path.is_dir():
        target.mkdir()
        return target
    data = path.read_bytes()
    with wide_csv_fields():  # the corpus has 200,000-character fields
        lines = list(csv.reader(io.StringIO(data.decode("utf-8", errors="replace").replace("\x00", ""), newline="")))
    if data.startswith(b"PAR1") or not lines or not lines[0]:
        target.write_bytes(data)
        return target
    header, rows = lines[0], lines[1:]
    columns = [[(row[i] if i < len(row) else None) for row in rows] for i in range(len(header))]
    table = pa.Table.from_arrays([_typed(name, values) for name, values in zip(header, columns)], names=header)
    pq.write_table(table, target)
    return target


# --- fugong index ingest daily|interval|enterprises -------------------------------------------------

def _ingest(kind: str, parquet: bool):
    def feed(path: Path, ctx: Context):
        from fugong.index.ingest import ingest_readings

        return ingest_readings(settings=ctx.settings, path=as_parquet(path) if parquet else path, kind=kind, actor="hostile")

    return feed


def _ingest_enterprises(parquet: bool):
    def feed(path: Path, ctx: Context):
        from fugong.index.ingest import ingest_enterprises

        return ingest_enterprises(settings=ctx.settings, path=as_parquet(path) if parquet else path, actor="hostile")

    return feed


def _summary_rejects(summary, ctx):
    return summary.rejected, rows_in(summary.rejects_path)


def _parquet_seed(text: bytes) -> bytes:
    """Real Parquet bytes of a seed (typed as ``as_parquet`` types it)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "seed.csv"
        source.write_bytes(text)
        return as_parquet(source).read_bytes()


for kind, seed, tokens in (("daily", DAILY_SEED, METER_TOKENS), ("interval", INTERVAL_SEED, INTERVAL_TOKENS)):
    register(Parser(name=f"{kind} meter file (CSV, index ingest {kind})", suffix=".csv", seeds=[seed],
                    feed=_ingest(kind, parquet=False), named_errors=_errors(), rejects=_summary_rejects,
                    snapshot=store_state, tokens=tokens, **CI_SHARE))
    register(Parser(name=f"{kind} meter file (Parquet, index ingest {kind})", suffix=".csv",
                    seeds=[seed, _parquet_seed(seed)], feed=_ingest(kind, parquet=True), named_errors=_errors(),
                    rejects=_summary_rejects, snapshot=store_state, tokens=tokens, **CI_SHARE))

register(Parser(name="enterprise file (CSV, index ingest enterprises)", suffix=".csv", seeds=[ENTERPRISE_SEED],
                feed=_ingest_enterprises(parquet=False), named_errors=_errors(), rejects=_summary_rejects,
                snapshot=store_state, tokens=ENTERPRISE_TOKENS, **CI_SHARE))
register(Parser(name="enterprise file (Parquet, index ingest enterprises)", suffix=".csv",
                seeds=[ENTERPRISE_SEED, _parquet_seed(ENTERPRISE_SEED)], feed=_ingest_enterprises(parquet=True),
                named_errors=_errors(), rejects=_summary_rejects, snapshot=store_state, tokens=ENTERPRISE_TOKENS,
                **CI_SHARE))


# --- fugong index compute --meters … --enterprises … (the command itself, through its CLI) --------------

GOOD_METERS = b"enterprise_id,date,kwh\n" + b"".join(
    f"E1,2019-10-{d:02d},10\nE1,2020-02-{d:02d},{d}\nE-NB,2019-10-{d:02d},5\nE-NB,2020-02-{d:02d},4\n".encode()
    for d in range(1, 4))
GOOD_ENTERPRISES = b"enterprise_id,region_code,industry_code,size_class\nE1,330106,3731,large\nE-NB,330203,1711,small\n"


class CommandRefused(Exception):
    """``fugong index compute`` ended with exit code 1 or 2 and a message on stderr."""


def _compute(hostile: str, parquet: bool):
    """Run ``fugong index compute`` with the hostile file as ``--meters`` or ``--enterprises``."""

    def feed(path: Path, ctx: Context):
        from typer.testing import CliRunner

        from fugong.index.cli import app

        folder = ctx.data_dir / "compute"
        (folder / "out").mkdir(parents=True, exist_ok=True)
        good = {"meters": folder / "meters.csv", "enterprises": folder / "enterprises.csv"}
        good["meters"].write_bytes(GOOD_METERS)
        good["enterprises"].write_bytes(GOOD_ENTERPRISES)
        good[hostile] = as_parquet(path) if parquet else path
        out = folder / "out" / f"{path.stem}.csv"
        rejects = folder / f"{path.stem}.rejects.csv"
        result = CliRunner().invoke(app, [
            "compute", "--meters", str(good["meters"]), "--enterprises", str(good["enterprises"]),
            "--baseline", "2019-10-01:2019-10-31", "--period", "2020-02-01:2020-02-29", "--by", "county",
            "--out", str(out), "--rejects", str(rejects)])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        if result.exit_code in (1, 2):
            message = result.stderr.strip()
            if not message or "Traceback" in message:
                raise AssertionError(f"exit {result.exit_code} without a message: {message[:300]!r}")
            raise CommandRefused(message)
        if result.exit_code != 0:
            raise AssertionError(f"exit code {result.exit_code}: {result.output[:300]}")
        rejected = sum(int(n.replace(",", "")) for n in re.findall(r"rejected 拒绝 ([0-9,]+)", result.stdout))
        files = [rejects, rejects.with_name(f"{good['enterprises'].stem}.enterprises.{rejects.name}")]
        return rejected, sum(rows_in(f if f.exists() else None) for f in files)

    return feed


def _compute_state(ctx: Context):
    folder = ctx.data_dir / "compute" / "out"
    return store_state(ctx), sorted(p.name for p in folder.glob("*")) if folder.exists() else []


for hostile, seed, tokens in (("meters", DAILY_SEED, METER_TOKENS), ("enterprises", GOOD_ENTERPRISES, ENTERPRISE_TOKENS)):
    for parquet in (False, True):
        register(Parser(
            name=f"index compute --{hostile} ({'Parquet' if parquet else 'CSV'})", suffix=".csv",
            seeds=[seed, _parquet_seed(seed)] if parquet else [seed], feed=_compute(hostile, parquet),
            named_errors=(CommandRefused,), rejects=lambda result, ctx: result, snapshot=_compute_state, tokens=tokens,
            ci_inputs=16, ci_examples=4))
