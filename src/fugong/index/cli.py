"""``fugong index``: electricity resumption index commands (see issue 3 and docs/index.md).

Stateless:   compute, first-resumption (files in, file out)
Store-backed: ingest enterprises|daily|interval, run, show
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

app = typer.Typer(no_args_is_help=True)
ingest_app = typer.Typer(no_args_is_help=True, help="Load meter readings or enterprises into the store 导入数据.")
app.add_typer(ingest_app, name="ingest")
console = Console()
err = Console(stderr=True, soft_wrap=True)  # errors name files and rows: never wrap them

BY_HELP = "province | city | county | industry (GB/T 4754 section) | category | size | group (needs --groups)"


def _params(baseline, theta, weight, min_baseline, method, energy, baseload, baseload_window, closures=(),
            category_set=None, band_cutoffs=None, band_names=None):
    import math

    from fugong.index.params import IndexParams, Window
    from fugong.reference.workdays import CLOSURES

    try:
        unknown = [c for c in closures if c not in CLOSURES]
        if unknown:
            raise ValueError(f"--closure {unknown[0][:40]!r}: accepted values are {', '.join(sorted(CLOSURES))}")
        if method not in ("mean", "median", "workday-mean", "lunar"):
            raise ValueError(f"--baseline-method {method[:40]!r}: accepted values are mean, median, workday-mean, lunar")
        if energy not in ("resumed", "all"):
            raise ValueError(f"--energy {energy[:40]!r}: accepted values are resumed, all")
        extra = {}
        if category_set:
            from fugong.reference.industries import load_categories

            try:
                load_categories(category_set)
            except Exception:  # noqa: BLE001 - any failure to load is an unknown set for the user
                raise ValueError(f"--category-set {category_set[:60]!r}: no such category set") from None
            extra["category_set"] = category_set
        if band_cutoffs:
            extra["band_cutoffs"] = tuple(float(x) for x in band_cutoffs.split(","))
        if band_names:
            extra["band_names"] = tuple(x.strip() for x in band_names.split(","))
        cutoffs = extra.get("band_cutoffs", IndexParams.band_cutoffs)
        names = extra.get("band_names", IndexParams.band_names)
        if not all(math.isfinite(c) for c in cutoffs):
            raise ValueError(f"--band-cutoffs {','.join(map(str, cutoffs))}: cut-offs are finite numbers, e.g. 30,60")
        if len(names) != len(cutoffs) + 1 or list(cutoffs) != sorted(cutoffs):
            raise ValueError(f"--band-cutoffs {','.join(map(str, cutoffs))} need ascending cut-offs and one more name "
                             f"in --band-names (got {len(names)})")
        return IndexParams(
            baseline=Window.parse(baseline),
            theta=theta,
            weight=weight,
            min_baseline_kwh=min_baseline,
            baseline_method=method,
            energy_numerator=energy,
            baseload=baseload,
            baseload_window=Window.parse(baseload_window) if baseload_window else None,
            closures=tuple(closures),
            **extra,
        )
    except ValueError as exc:
        err.print(f"[red]参数错误 invalid option:[/red] {exc}")
        raise typer.Exit(2) from None


def _window(text: str, name: str):
    from fugong.index.params import Window

    try:
        return Window.parse(text)
    except ValueError as exc:
        err.print(f"[red]{name}:[/red] {exc}")
        raise typer.Exit(2) from None


def _fail(exc: Exception) -> None:
    from rich.markup import escape

    err.print(f"[red]错误 error:[/red] {escape(str(exc))}")
    raise typer.Exit(1) from None


def _read_table(path: Path):
    from fugong.index.ingest import read_batches

    import pyarrow as pa

    tables = list(read_batches(path))
    if not tables:
        raise ValueError(f"{path}: no rows")
    return pa.concat_tables(tables).drop_columns(["_row"])


def _read_enterprises(path: Path, encoding, rejects: Optional[Path]):
    """The --enterprises file, validated as `fugong index ingest enterprises` validates it, and its
    summary printed; its rejected rows go beside --rejects (ENTERPRISES-STEM.enterprises.REJECTS-NAME)."""
    from fugong.index.ingest import read_enterprises_file

    target = rejects.with_name(f"{path.stem}.enterprises.{rejects.name}") if rejects else None
    table, summary = read_enterprises_file(path, encoding=encoding, rejects=target)
    _report([summary])
    return table


def _report(summaries) -> None:
    for s in summaries:
        line = (f"{s.file}: {s.rows:,} rows · accepted 接受 {s.accepted:,} · rejected 拒绝 {s.rejected:,} · "
                f"duplicate 重复 {s.duplicate:,}")
        if s.replaced:
            line += f" · replaced 替换 {s.replaced:,}"
        if s.zero_days:
            line += f" · zero days taken as missing 零值日视为缺失 {s.zero_days:,}"
        if s.days_incomplete:
            line += f" · incomplete days 不完整日 {s.days_incomplete:,}"
        console.print(line, highlight=False, markup=False)
        if s.rejects_path:
            console.print(f"  rejects 拒绝明细: {s.rejects_path}", highlight=False, markup=False)


Method = typer.Option("mean", "--baseline-method", help="mean | median | workday-mean | lunar (same lunar period last year, working days aligned)")


@app.command()
def compute(
    meters: List[Path] = typer.Option(..., "--meters", help="daily (enterprise_id,date,kwh) or interval (enterprise_id,timestamp,kwh) CSV/Parquet files"),
    enterprises: Path = typer.Option(..., "--enterprises", help="enterprise_id, region_code, industry_code[, size_class]"),
    baseline: str = typer.Option("2019-10-01:2019-12-31", "--baseline", help="baseline window START:END"),
    period: str = typer.Option(..., "--period", help="days to compute START:END"),
    by: str = typer.Option("county", "--by", help=BY_HELP),
    out: Path = typer.Option(..., "--out", help="FILE.csv | FILE.parquet | FILE.json"),
    engine: str = typer.Option(None, "--engine", help="duckdb | spark (default FUGONG_ENGINE)"),
    groups: Optional[Path] = typer.Option(None, "--groups", help="group_id, enterprise_id (for --by group)"),
    theta: float = typer.Option(0.3, "--theta", help="resumed when kWh ≥ θ·B"),
    weight: float = typer.Option(0.5, "--weight", help="w in R = 100·(w·N + (1−w)·E)"),
    min_baseline: float = typer.Option(0.0, "--min-baseline", help="eligible when B > this (kWh)"),
    baseline_method: str = Method,
    energy: str = typer.Option("resumed", "--energy", help="E numerator: resumed (Zhejiang) | all"),
    baseload: bool = typer.Option(False, "--baseload/--no-baseload", help="baseload-aware r = (kWh − L)/(B − L)"),
    baseload_window: Optional[str] = typer.Option(None, "--baseload-window", help="window for L (lowest daily kWh); default the baseline window"),
    tz: str = typer.Option("Asia/Shanghai", "--tz", help="time zone of naive interval timestamps"),
    day_tz: str = typer.Option("Asia/Shanghai", "--day-tz", help="time zone whose calendar days interval readings are summed into"),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="CSV encoding (default: detect UTF-8 or GBK)"),
    rejects: Optional[Path] = typer.Option(None, "--rejects", help="write rejected rows to this CSV"),
    zero_days_missing: bool = typer.Option(False, "--zero-days-missing", help="a whole day of 0 kWh is a missing reading (publishers that write gaps as zeros)"),
    closure: List[str] = typer.Option([], "--closure", help="regional closure on the working-day calendar (workday-mean, lunar), e.g. zhejiang-2020"),
    category_set: Optional[str] = typer.Option(None, "--category-set", help="industry category set for --by category (default jiangsu-2020)"),
) -> None:
    """Compute the index from files, one row per (date, group), without touching the store.

    Output columns: date, level, code, name, enterprises, reporting, resumed, baseline_kwh,
    resumed_kwh, total_kwh, resumed_share, energy_ratio, index (percent, unrounded).

    Example: fugong index compute --meters daily.csv --enterprises ent.csv --baseline 2019-10-01:2019-12-31 --period 2020-02-01:2020-02-29 --by county --out county.csv
    """
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from fugong.config import get_settings
    from fugong.engine import connect
    from fugong.index.compute import baseline_aggregates, stored_baselines
    from fugong.index.ingest import IngestError, readings_in_engine
    from fugong.index.service import BY_CHOICES, compute as run, write_table
    from fugong.index.store import sql_literal

    if by not in BY_CHOICES:
        _fail(ValueError(f"--by {by!r}: accepted values are {', '.join(BY_CHOICES)}"))
    if by == "group" and groups is None:
        _fail(ValueError("--by group needs --groups FILE (group_id, enterprise_id)"))
    params = _params(baseline, theta, weight, min_baseline, baseline_method, energy, baseload, baseload_window, closure,
                     category_set)
    window = _window(period, "--period")
    # The enterprises file is read and checked in a thread while DuckDB aggregates the meter file (the
    # check's first step needs no enterprise); both mostly run outside the GIL. 1–2 s at 3 M firms.
    pool = ThreadPoolExecutor(1)
    reading = pool.submit(_read_enterprises, enterprises, encoding, rejects)
    pool.shutdown(wait=False)
    try:
        kind = engine or get_settings().engine
        # Validation runs inside the engine's own DuckDB connection: a clean file is never copied, and
        # on DuckDB the baselines are computed in the validation's pass over the file (no pass of their own).
        con = connect("duckdb")
        also = (lambda t, accepted: baseline_aggregates(t, params=params, accepted=accepted)) if kind == "duckdb" else None
        try:
            name, summaries, per_enterprise = readings_in_engine(
                list(meters), con=con.con, known_ids=reading.result, encoding=encoding, tz=tz, day_tz=day_tz, rejects=rejects,
                zero_days_missing=zero_days_missing, unique_ids=True, also=also)
        except (IngestError, FileNotFoundError, ValueError):
            reading.result()  # an error in the enterprises file is the one to show first, as before
            raise
        companies = reading.result()
        _report(summaries)
        members = _read_table(groups) if groups else None
        baselines = None
        if kind == "duckdb":
            readings = con.table(name)
            baselines = stored_baselines(con.table(per_enterprise), params=params) if per_enterprise else None
        else:  # another engine reads the validated rows from a Parquet file (never Python rows)
            scratch = tempfile.TemporaryDirectory(prefix="fugong-compute-")
            readings = [Path(scratch.name) / "readings.parquet"]
            con.con.execute(f"COPY (SELECT enterprise_id, date, kwh FROM {name}) TO {sql_literal(str(readings[0]))} (FORMAT PARQUET)")
            con = None
        tables = run(readings=readings, enterprises=companies, period=window, params=params, levels=(by,),
                     engine=kind, members=members, con=con, baselines=baselines)
        table = next(iter(tables.values()))
        write_table(table, out)
    except (IngestError, FileNotFoundError, ValueError) as exc:
        _fail(exc)
    console.print(f"{len(table):,} rows → {out}", highlight=False, markup=False)


@app.command("first-resumption")
def first_resumption(
    out: Path = typer.Option(..., "--out", help="FILE.csv | FILE.parquet | FILE.json"),
    meters: Optional[List[Path]] = typer.Option(None, "--meters", help="daily files (default: the store)"),
    intervals: Optional[List[Path]] = typer.Option(None, "--intervals", help="interval files for the load-shape flags"),
    enterprises: Optional[Path] = typer.Option(None, "--enterprises", help="enterprises file (default: the store)"),
    baseline: str = typer.Option("2019-10-01:2019-12-31", "--baseline"),
    period: str = typer.Option("2020-02-10:2020-03-31", "--period", help="days in which to look for the first resumption"),
    start: str = typer.Option("2020-02-10", "--start", help="runs count from this day; shape days start here too"),
    reference: str = typer.Option("2019-10-01:2020-01-19", "--reference", help="window of the reference load shape (operating days)"),
    holiday_core: str = typer.Option("2020-01-25:2020-02-09", "--holiday-core", help="window for the never-stopped cohort"),
    zero_days_missing: bool = typer.Option(False, "--zero-days-missing", help="a whole day of 0 kWh is a missing reading"),
    k: int = typer.Option(3, "--k", help="consecutive working days resumed"),
    theta: float = typer.Option(0.3, "--theta"),
    min_baseline: float = typer.Option(0.0, "--min-baseline"),
    baseline_method: str = Method,
    baseload: bool = typer.Option(False, "--baseload/--no-baseload"),
    closure: List[str] = typer.Option([], "--closure", help="regional closure on top of the national calendar, e.g. zhejiang-2020"),
    tz: str = typer.Option("Asia/Shanghai", "--tz"),
    day_tz: str = typer.Option("Asia/Shanghai", "--day-tz"),
    engine: str = typer.Option(None, "--engine"),
) -> None:
    """Per enterprise: first-resumption date (or empty), cohort and flags.

    Cohorts: resumed, not-resumed, never-stopped (ran through the holiday core), ineligible.
    Flags: never_stopped; with interval data flat_profile, night_jump, near_threshold, idle_suspect.

    Example: fugong index first-resumption --meters daily.csv --intervals interval.parquet --enterprises ent.csv --out firms.csv
    """
    import datetime as dt

    from fugong.config import get_settings
    from fugong.index import store
    from fugong.index.cohorts import FlagParams
    from fugong.index.ingest import IngestError, read_readings_for_compute, validate_file, _arrow
    from fugong.index.service import enterprise_results, interval_features, write_table

    settings = get_settings()
    params = _params(baseline, theta, 0.5, min_baseline, baseline_method, "resumed", baseload, None, closure)
    window = _window(period, "--period")
    flags = FlagParams(start=dt.date.fromisoformat(start), k=k, reference=_window(reference, "--reference"),
                       holiday_core=_window(holiday_core, "--holiday-core"))
    try:
        companies = _read_enterprises(enterprises, None, None) if enterprises else store.read_enterprises(settings)
        if meters:
            readings, summaries = read_readings_for_compute(list(meters), known_ids=companies["enterprise_id"], tz=tz, day_tz=day_tz,
                                                            zero_days_missing=zero_days_missing)
            _report(summaries)
        else:
            readings = store.daily_files(settings)
            if not readings:
                raise FileNotFoundError("no readings: give --meters or ingest into the store first")
        features = None
        if intervals:
            import pyarrow as pa

            parts = []
            for path in intervals:
                con, _summary = validate_file(path, kind="interval", known_ids=companies["enterprise_id"], tz=tz, day_tz=day_tz,
                                              zero_days_missing=zero_days_missing)
                parts.append(_arrow(con, "SELECT enterprise_id, date, kwh, intervals, expected, completeness, peak, mean, night_day_ratio, flatness FROM features"))
            features = pa.concat_tables(parts)
        elif not meters:
            features = interval_features(settings=settings)
        table = enterprise_results(readings=readings, enterprises=companies, period=window, params=params, flags=flags,
                                   features=features, engine=engine or settings.engine)
        write_table(table, out)
    except (IngestError, FileNotFoundError, ValueError) as exc:
        _fail(exc)
    counts = {}
    for c in table["cohort"].to_pylist():
        counts[c] = counts.get(c, 0) + 1
    console.print(f"{len(table):,} enterprises → {out}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())), markup=False)


def _progress():
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(), console=err, transient=True)


def _waiting() -> None:
    err.print("another ingest is writing to this store; waiting for it to finish 另一导入正在写入，等待中…", markup=False)


MaxKwh = typer.Option([], "--max-kwh", help="bound of one reading per size class, e.g. --max-kwh small=2e5 "
                     "(defaults: large 5e7, medium 5e6, small 5e5, micro 5e4, other 5e7 kWh)")


def _bounds(items: List[str]) -> dict:
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            out[None if name.strip() in ("", "other") else name.strip()] = float(value)
        except ValueError:
            _fail(ValueError(f"--max-kwh {item[:60]!r}: expected CLASS=KWH such as small=2e5"))
    return out


def _ingest_readings(kind: str, files: List[Path], replace: bool, encoding, tz, day_tz, actor, max_kwh=()) -> None:
    from fugong.config import get_settings
    from fugong.index.ingest import IngestError, ingest_readings

    settings = get_settings()
    bounds = _bounds(list(max_kwh))
    summaries = []
    try:
        for path in files:
            with _progress() as bar:
                task = bar.add_task(f"{path.name}", total=None)
                summaries.append(ingest_readings(
                    settings=settings, path=path, kind=kind, replace=replace, encoding=encoding, tz=tz, day_tz=day_tz,
                    actor=actor, progress=lambda done, total: bar.update(task, completed=done, total=total),
                    on_wait=_waiting, max_kwh=bounds))
    except (IngestError, FileNotFoundError, ValueError) as exc:
        _fail(exc)
    _report(summaries)
    changed = sorted({d for s in summaries for d in s.changed_dates})
    if changed:
        console.print(f"changed days 变更日期: {changed[0]} … {changed[-1]} ({len(changed)}); "
                      "run `fugong index run` to update results", markup=False)


@ingest_app.command("daily")
def ingest_daily(
    files: List[Path] = typer.Argument(..., help="CSV or Parquet: enterprise_id, date, kwh"),
    replace: bool = typer.Option(False, "--replace", help="overwrite stored values that differ (audited)"),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="CSV encoding (default: detect UTF-8 or GBK)"),
    actor: str = typer.Option("cli", "--actor", help="who is recorded in the audit log"),
    max_kwh: List[str] = MaxKwh,
) -> None:
    """Ingest daily readings into the store (validated; rejects to a CSV; idempotent; audited).

    Example: fugong index ingest daily meters-2020-02.csv
    """
    _ingest_readings("daily", files, replace, encoding, "Asia/Shanghai", "Asia/Shanghai", actor, max_kwh)


@ingest_app.command("interval")
def ingest_interval(
    files: List[Path] = typer.Argument(..., help="CSV or Parquet: enterprise_id, timestamp (interval start), kwh"),
    replace: bool = typer.Option(False, "--replace", help="overwrite stored daily values that differ (audited)"),
    encoding: Optional[str] = typer.Option(None, "--encoding"),
    tz: str = typer.Option("Asia/Shanghai", "--tz", help="time zone of naive timestamps"),
    day_tz: str = typer.Option("Asia/Shanghai", "--day-tz", help="calendar days are summed in this time zone"),
    actor: str = typer.Option("cli", "--actor"),
    max_kwh: List[str] = MaxKwh,
) -> None:
    """Ingest interval readings: daily totals of complete days (≥ 90 % of intervals) and load-shape features.

    Example: fugong index ingest interval load-15min.parquet --tz Asia/Shanghai
    """
    _ingest_readings("interval", files, replace, encoding, tz, day_tz, actor, max_kwh)


@ingest_app.command("enterprises")
def ingest_enterprises_cmd(
    files: List[Path] = typer.Argument(..., help="CSV or Parquet: enterprise_id, region_code, industry_code[, size_class, name, uscc]"),
    replace: bool = typer.Option(False, "--replace", help="overwrite stored enterprises that differ (audited)"),
    encoding: Optional[str] = typer.Option(None, "--encoding"),
    actor: str = typer.Option("cli", "--actor"),
) -> None:
    """Ingest enterprises (region and industry codes checked against GB/T 2260 and GB/T 4754).

    Example: fugong index ingest enterprises enterprises.csv
    """
    from fugong.config import get_settings
    from fugong.index.ingest import IngestError, ingest_enterprises

    settings = get_settings()
    try:
        summaries = [ingest_enterprises(settings=settings, path=p, replace=replace, encoding=encoding, actor=actor,
                                        on_wait=_waiting) for p in files]
    except (IngestError, FileNotFoundError, ValueError) as exc:
        _fail(exc)
    _report(summaries)


@app.command()
def run(
    period: str = typer.Option("2020-01-01:2020-03-31", "--period", help="days to compute START:END"),
    baseline: str = typer.Option("2019-10-01:2019-12-31", "--baseline"),
    only: Optional[List[str]] = typer.Option(None, "--date", help="recompute only these days (incremental), e.g. --date 2020-02-21"),
    groups: Optional[Path] = typer.Option(None, "--groups", help="group_id, enterprise_id Parquet for the group level"),
    theta: float = typer.Option(0.3, "--theta"),
    weight: float = typer.Option(0.5, "--weight"),
    min_baseline: float = typer.Option(0.0, "--min-baseline"),
    baseline_method: str = Method,
    energy: str = typer.Option("resumed", "--energy"),
    baseload: bool = typer.Option(False, "--baseload/--no-baseload"),
    baseload_window: Optional[str] = typer.Option(None, "--baseload-window", help="window for L (lowest daily kWh); default the baseline window"),
    closure: List[str] = typer.Option([], "--closure", help="regional closure on the working-day calendar, e.g. zhejiang-2020"),
    category_set: Optional[str] = typer.Option(None, "--category-set", help="industry category set (default jiangsu-2020)"),
    band_cutoffs: Optional[str] = typer.Option(None, "--band-cutoffs", help="R cut-offs of the bands, e.g. 30,60"),
    band_names: Optional[str] = typer.Option(None, "--band-names", help="one more name than cut-offs, comma-separated"),
    enterprises_too: bool = typer.Option(True, "--enterprises/--no-enterprises", help="also write per-enterprise results (a full run without them leaves none: an older run's would not agree); with --date they are brought up to date"),
    engine: str = typer.Option(None, "--engine"),
) -> None:
    """Compute every breakdown from the store into result tables (per level and date), the
    per-enterprise daily facts behind them and the per-enterprise results; every option is saved in
    results/index/params.json, which the dashboard reads.

    Example: fugong index run --period 2020-02-01:2020-02-29 --closure zhejiang-2020
    """
    import datetime as dt
    import time

    from fugong.config import get_settings
    from fugong.index.service import compute_all

    settings = get_settings()
    params = _params(baseline, theta, weight, min_baseline, baseline_method, energy, baseload, baseload_window, closure,
                     category_set, band_cutoffs, band_names)
    window = _window(period, "--period")
    try:
        dates = {dt.date.fromisoformat(d) for d in only} if only else None
    except ValueError:
        _fail(ValueError(f"--date: {', '.join(only)[:80]} is not YYYY-MM-DD"))
    started = time.perf_counter()
    try:
        with console.status("computing 计算中…") as status:
            out = compute_all(settings=settings, period=window, params=params, engine=engine, only_dates=dates,
                              members_path=groups, progress=lambda m: status.update(m),
                              enterprises_too=enterprises_too and not dates)
    except (FileNotFoundError, ValueError) as exc:
        _fail(exc)
    for level, path in out.items():
        console.print(f"{level}: {path}", markup=False)
    console.print(f"done in {time.perf_counter() - started:.1f} s", markup=False)


@app.command()
def show(
    date: Optional[str] = typer.Option(None, "--date", help="one day (default: all stored days)"),
    by: str = typer.Option("province", "--by", help=BY_HELP),
    code: Optional[str] = typer.Option(None, "--code", help="only codes starting with this prefix, e.g. 3303"),
    limit: int = typer.Option(40, "--limit"),
) -> None:
    """Show stored results as a table.

    Example: fugong index show --date 2020-02-10 --by city
    """
    import datetime as dt

    from rich.table import Table

    from fugong.config import get_settings
    from fugong.index.service import read_results

    day = dt.date.fromisoformat(date) if date else None
    table = read_results(settings=get_settings(), level=by, date=day, code_prefix=code)
    if len(table) == 0:
        err.print("no stored results: run `fugong index run` first 尚无结果")
        raise typer.Exit(1)
    view = Table("date", "code", "name", "reporting/enterprises", "resumed", "N %", "E %", "R", "band")
    fmt = lambda v: "" if v is None else f"{v:.2f}"  # noqa: E731
    for row in table.to_pylist()[:limit]:
        view.add_row(str(row["date"]), row["code"], row["name"] or "", f"{row['reporting']:,}/{row['enterprises']:,}",
                     f"{row['resumed']:,}", fmt(row["resumed_share"]), fmt(row["energy_ratio"]), fmt(row["index"]), row.get("band") or "")
    console.print(view)
