"""Services of the index: compute from tables or from the store, read stored results.

Python API (keyword-only)::

    compute(readings=..., enterprises=..., period=Window(...), params=IndexParams(), levels=("county",),
            engine="duckdb", members=None) -> {level: pyarrow.Table with OUTPUT_COLUMNS}
    compute_all(settings=..., period=Window(...), params=IndexParams(), progress=None, engine=None)
            -> {level: Path of its result folder}   (reads the store, writes results per date)
    read_results(settings=..., level="city", date=None, code_prefix=None) -> pyarrow.Table

Result tables live under ``<data_dir>/results/index/level=<level>/date=<YYYY-MM-DD>/part-0.parquet``
(one file per level and date, so adding a day rewrites only that day's files).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Callable

from fugong.index.params import LEVELS, FlagParams, IndexParams, Window  # no Ibis at import: see index/oneday.py

OUTPUT_COLUMNS = (
    "date",
    "level",
    "code",
    "name",
    "enterprises",
    "reporting",
    "resumed",
    "baseline_kwh",
    "resumed_kwh",
    "total_kwh",
    "resumed_share",
    "energy_ratio",
    "index",
)
# Level names accepted by --by (industry = GB/T 4754 section).
BY_CHOICES = ("province", "city", "county", "industry", "section", "category", "size", "group")


def _to_table(con, value, name: str):
    """An Ibis table on ``con`` from a pyarrow table, or a list of Parquet paths."""
    import ibis
    import pyarrow as pa

    if isinstance(value, pa.Table):
        # Bind the data to ``con`` so that cached intermediates are created on ``con`` too.
        name = f"fugong_{name}_{uuid.uuid4().hex[:8]}"
        if con.name == "duckdb":  # read in place (a copy of 3 M enterprises cost seconds)
            con.con.register(name, value)
            return con.table(name)
        return con.create_view(name, ibis.memtable(value))
    if isinstance(value, (list, tuple)):
        return con.read_parquet([str(p) for p in value])
    return value  # already an Ibis table


def finish(level: str, table, *, params: IndexParams, group_names: dict | None = None, with_band: bool = False):
    """Add level and name, order the output columns (and the band when asked)."""
    import pyarrow as pa

    from fugong.index.attributes import group_name

    codes = table["code"].to_pylist()
    names = {c: group_name(level, c, category_set=params.category_set, group_names=group_names) for c in set(codes)}
    table = table.append_column("level", pa.array([level] * len(table), pa.string()))
    table = table.append_column("name", pa.array([names[c] for c in codes], pa.string()))
    columns = list(OUTPUT_COLUMNS)
    if with_band:
        table = table.append_column("band", pa.array([params.band(v) for v in table["index"].to_pylist()], pa.string()))
        columns.append("band")
    return table.select(columns)


def split_levels(table, levels: tuple[str, ...]) -> dict:
    """{level: its rows sorted by date, code} from the rows of every level (a ``level`` column)."""
    import pyarrow.compute as pc

    out = {}
    for level in levels:
        part = table.filter(pc.equal(table["level"], level)).drop_columns(["level"])
        out[level] = part.sort_by([("date", "ascending"), ("code", "ascending")])
    return out


def compute(
    *,
    readings,
    enterprises,
    period: Window,
    params: IndexParams = IndexParams(),
    levels: tuple[str, ...] = LEVELS,
    engine: str = "duckdb",
    members=None,
    group_names: dict | None = None,
    with_band: bool = False,
    con=None,
    baselines=None,
) -> dict:
    """The index for each level: {level: pyarrow.Table with OUTPUT_COLUMNS}.

    ``readings``: pyarrow table (enterprise_id, date, kwh) or list of Parquet files;
    ``baselines``: an Ibis table on ``con`` (enterprise_id, baseline, baseload) already computed from
    those readings with ``params`` (``compute.baseline_aggregates``), or None to compute them;
    ``enterprises``: pyarrow table with enterprise_id, region_code, industry_code[, size_class];
    ``members``: pyarrow table (group_id, enterprise_id) for level "group".
    """
    from fugong.engine import connect
    from fugong.index.attributes import enterprise_groups
    from fugong.index.compute import Inputs, compute_levels

    levels = tuple("industry" if lv == "section" else lv for lv in levels)
    con = con or connect(engine)
    groups = enterprise_groups(enterprises, category_set=params.category_set)
    inputs = Inputs(
        readings=_to_table(con, readings, "readings"),
        enterprises=_to_table(con, groups, "enterprises"),
        members=_to_table(con, members, "members") if members is not None else None,
        baselines=baselines,
    )
    raw = compute_levels(con, inputs, period=period, params=params, levels=levels)
    return {lv: finish(lv, t, params=params, group_names=group_names, with_band=with_band) for lv, t in raw.items()}


def write_table(table, path: Path) -> None:
    """Write CSV (UTF-8, empty cells for nulls), Parquet or JSON (records) by the file's suffix."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        pq.write_table(table, path)
    elif suffix == ".csv":
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
    elif suffix == ".json":
        rows = table.to_pylist()
        for row in rows:
            for key, value in row.items():
                if isinstance(value, (dt.date, dt.datetime)):
                    row[key] = value.isoformat()
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        raise ValueError(f"{path}: output must end in .csv, .parquet or .json")


# --- store-backed form -------------------------------------------------------------------------


def results_dir(settings) -> Path:
    """results/index, or the generation a full run in this thread is writing (``index/generation.py``)."""
    from fugong.index.generation import results_dir as current

    return current(settings)


def _write_level(table, folder: Path, *, only_dates: set | None) -> None:
    """Write one file per date atomically (temp file, then rename); leave other dates untouched."""
    import pyarrow.compute as pc

    folder.mkdir(parents=True, exist_ok=True)
    for day in sorted(set(table["date"].to_pylist())):
        if only_dates is not None and day not in only_dates:
            continue
        write_day(table.filter(pc.equal(table["date"], day)), folder, day)


def write_day(table, folder: Path, day: dt.date) -> None:
    """``folder``/date=YYYY-MM-DD/part-0.parquet, replaced atomically (temp file, then rename)."""
    import pyarrow.parquet as pq

    target = folder / f"date={day.isoformat()}"
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / f".part-{uuid.uuid4().hex}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, target / "part-0.parquet")


def compute_all(
    *,
    settings,
    period: Window,
    params: IndexParams = IndexParams(),
    progress: Callable[[str], None] | None = None,
    engine: str | None = None,
    only_dates: set[dt.date] | None = None,
    members_path: Path | None = None,
    enterprises_too: bool = False,
    flags=None,
) -> dict[str, Path]:
    """Compute every breakdown from the store and write results per level and date, the
    per-enterprise daily facts behind them (``enterprise_days``) and, with ``enterprises_too``, the
    per-enterprise results (first resumption, cohort, flags) — all from one pinned version of the store
    and with exactly ``params``, which are saved in full beside the results (``params.json``).

    ``only_dates``: incremental run; baselines are computed as always, but only these dates' files
    are written (use ``changed_dates`` from the ingest summary). Returns {level: folder}.
    """
    from fugong.index import generation

    note = progress or (lambda _msg: None)
    # A full run writes a new generation of the results, put in place whole at the end; a run for
    # some days writes into the current one. One run at a time either way.
    with generation.writing(settings, full=not only_dates, on_wait=lambda: note("waiting for another index run")) as root:
        out = _compute_and_write(settings=settings, period=period, params=params, note=note, engine=engine, only_dates=only_dates,
                                 members_path=members_path, enterprises_too=enterprises_too, flags=flags)
        write_params(settings, period=period, params=params)
    return {name: generation.link_path(settings) / path.relative_to(root) for name, path in out.items()}


def _compute_and_write(*, settings, period, params, note, engine, only_dates, members_path, enterprises_too, flags) -> dict[str, Path]:
    from fugong.index import oneday, store

    refresh = bool(only_dates) and not enterprises_too  # then enterprises.parquet, if any, is brought up to date
    flags = flags or FlagParams()
    with store.reading(settings) as snap:  # one version of the store, pinned while we read it
        if not snap.files("daily"):
            raise FileNotFoundError(f"no daily readings in {store.daily_root(settings)}: run `fugong index ingest daily FILE` first")
        base_files = snap.files("daily", _baseline_months(params))
        out = None
        if only_dates and members_path is None and (engine or settings.engine) == "duckdb" and not enterprises_too:
            out = oneday.run_days(settings, snap=snap, params=params, days=only_dates, note=note,
                                  baselines_key=baselines_key(params, base_files))
        if out is None:
            files = snap.files("daily", _months_needed(period, params, only_dates))
            # The breakdowns need the codes only; names and USCCs are for the per-enterprise results.
            enterprises = snap.read_enterprises(None if enterprises_too else ["enterprise_id", "region_code", "industry_code", "size_class"])
            out = _compute_all(settings=settings, files=files, enterprises=enterprises, period=period, params=params,
                               note=note, engine=engine, only_dates=only_dates, members_path=members_path, base_files=base_files,
                               enterprises_file=snap.enterprises_path())
        if enterprises_too or (refresh and oneday.enterprises_path(settings).exists()):
            note("per-enterprise results")
            key = _enterprises_key(snap, params=params, period=period, flags=flags, base_files=base_files)
            if enterprises_too:
                out["enterprises"] = _write_enterprises(settings, snap=snap, enterprises=enterprises, period=period, params=params,
                                                        flags=flags, engine=engine, key=key)
            else:
                out["enterprises"] = _refresh_enterprises(settings, snap=snap, days=only_dates, period=period,
                                                          params=params, flags=flags, engine=engine, key=key)
        elif not only_dates:
            # A full run without them: an older run's per-enterprise results would not agree with the
            # new totals (the drill-down must), so the new generation has none.
            oneday.changes_path(settings).unlink(missing_ok=True)
            oneday.enterprises_path(settings).unlink(missing_ok=True)
    return out


def _enterprises_key(snap, *, params: IndexParams, period: Window, flags, base_files) -> dict:
    from fugong.index import oneday

    plan = oneday.plan_key(params=params, baselines_key=baselines_key(params, base_files), enterprises_file=snap.enterprises_path())
    return oneday.enterprises_key(plan=plan, period=period, flags=flags or FlagParams())


def _refresh_enterprises(settings, *, snap, days, period, params, flags, engine, key) -> Path:
    """enterprises.parquet after a run for ``days``: brought up to date without computing it again where
    the days allow (``oneday.refresh_enterprises``), computed in full from the store where they do not."""
    from fugong.index import oneday

    if oneday.refresh_enterprises(settings, days=days, key=key, period=period, params=params, flags=flags,
                                  feature_files=snap.files("interval_days")):
        return oneday.enterprises_path(settings)
    return _write_enterprises(settings, snap=snap, enterprises=snap.read_enterprises(), period=period, params=params, flags=flags,
                              engine=engine, key=key)


def _months_needed(period: Window, params: IndexParams, only_dates) -> set[str] | None:
    """The month partitions an incremental run reads (its days, the baseline and baseload windows);
    None (every month) for a full run or the lunar method, whose reference days lie a year back."""
    if not only_dates or params.baseline_method == "lunar":
        return None
    return _months_of([*_baseline_windows(params), Window(min(only_dates), max(only_dates))])


def _baseline_windows(params: IndexParams) -> list[Window]:
    return [params.baseline, params.baseload_window or params.baseline]


def _baseline_months(params: IndexParams) -> set[str]:
    return _months_of(_baseline_windows(params))


def _months_of(windows: list[Window]) -> set[str]:
    """'YYYY-MM' of every month a window touches."""
    months = set()
    for window in windows:
        day = window.start.replace(day=1)
        while day <= window.end:
            months.add(day.strftime("%Y-%m"))
            day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def write_params(settings, *, period: Window, params: IndexParams) -> Path:
    """params.json: every IndexParams field (``IndexParams.to_dict``), the period and the time."""
    root = results_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    doc = {"period": str(period), **params.to_dict(), "computed_at": dt.datetime.now(dt.timezone.utc).isoformat()}
    tmp = root / f".params-{uuid.uuid4().hex}.tmp"
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, root / "params.json")
    return root / "params.json"


def read_params(settings) -> tuple[IndexParams, dict]:
    """(IndexParams the stored results were computed with, the raw document); defaults if none."""
    try:
        doc = json.loads((results_dir(settings) / "params.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return IndexParams(), {}
    return IndexParams.from_dict(doc), doc


# The fields of IndexParams that the per-enterprise baselines depend on (``compute.baselines``).
BASELINE_FIELDS = ("baseline", "baseline_method", "closures", "baseload", "baseload_window")


def baselines_path(settings) -> Path:
    return results_dir(settings) / "baselines.parquet"


def baselines_key(params: IndexParams, base_files) -> str:
    """The key of stored baselines (``stored_or_new_baselines``): the fields they depend on and the
    stored files of the baseline months."""
    fields = params.to_dict()
    return json.dumps({"fields": {f: fields[f] for f in BASELINE_FIELDS}, "files": sorted(str(f) for f in base_files)},
                      ensure_ascii=False, sort_keys=True)


def stored_or_new_baselines(settings, *, con, files, base_files, params: IndexParams, period: Window, note=None):
    """Ibis table on ``con`` (enterprise_id, baseline, baseload): the baselines saved by the last run
    (results/index/baselines.parquet) when they were computed with the same ``BASELINE_FIELDS`` from
    the same stored files of the baseline months — a version of the store never rewrites a part file,
    so the same file names are the same readings — else computed from ``files`` and saved. A run
    for one new day then reads 333,427 baselines instead of three months of readings. None for the
    lunar method, whose baseline is per day.

    The key is kept in the file's own metadata (one file, replaced atomically)::

        {"fields": {"baseline": "2019-10-01:2019-12-31", ...}, "files": ["…/daily/month=2019-10/part-….parquet", …]}
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from fugong.index.compute import baselines

    if params.baseline_method == "lunar":
        return None
    key = baselines_key(params, base_files)
    target = baselines_path(settings)
    try:
        # Key and rows from one read: another run may replace the file between two reads.
        saved = pq.read_table(target)
        if (saved.schema.metadata or {}).get(b"fugong_key", b"").decode() == key:
            return _to_table(con, saved, "baselines")
    except (OSError, pa.ArrowInvalid):
        pass  # none yet (or unreadable): computed below
    if note:
        note("baselines")
    table = con.to_pyarrow(baselines(_to_table(con, files, "readings"), params=params, period=period))
    table = table.replace_schema_metadata({"fugong_key": key})
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".baselines-{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, target)
    return _to_table(con, table, "baselines")


def _compute_all(*, settings, files, enterprises, period, params, note, engine, only_dates, members_path, base_files,
                 enterprises_file=None) -> dict[str, Path]:
    import pyarrow.parquet as pq

    members = pq.read_table(members_path) if members_path else None
    levels = LEVELS + (("group",) if members is not None else ())
    run_period = period
    if only_dates:
        # The readings of the other days are not needed; the baseline window is read as always.
        run_period = Window(min(only_dates), max(only_dates))
    note("computing")
    from fugong.engine import connect

    con = connect(engine or settings.engine)
    base = stored_or_new_baselines(settings, con=con, files=files, base_files=base_files, params=params, period=run_period,
                                   note=note)
    if only_dates and base is not None:
        # With the baselines at hand, the days themselves are all that is read: the month of one
        # new day is a quarter of the four months a run for it used to scan twice.
        from fugong.index.store import month_of

        days = _months_of([run_period])
        files = [f for f in files if month_of(Path(f).as_posix()) in days]
    tables = compute(
        readings=files,
        enterprises=enterprises,
        period=run_period,
        params=params,
        levels=levels,
        engine=engine or settings.engine,
        members=members,
        with_band=True,
        con=con,
        baselines=base,
    )
    out = {}
    root = results_dir(settings)
    for level, table in tables.items():
        note(f"writing {level}")
        _write_level(table, root / f"level={level}", only_dates=only_dates)
        out[level] = root / f"level={level}"
    note("writing enterprise days")
    out["enterprise_days"] = write_enterprise_days(settings, con=con, files=files, enterprises=enterprises,
                                                   period=run_period, params=params, only_dates=only_dates, baselines=base)
    if members is None and base is not None and getattr(con, "name", "") == "duckdb":
        # The next run for a new day reads these statements instead of importing Ibis (index/oneday.py).
        from fugong.index import oneday

        oneday.save_plan(settings, con=con, enterprises=enterprises, baselines=base, params=params, period=period,
                         key=oneday.plan_key(params=params, baselines_key=baselines_key(params, base_files),
                                             enterprises_file=enterprises_file))
    return out


ENTERPRISE_DAY_COLUMNS = ("enterprise_id", "county", "date", "kwh", "baseline", "baseload", "threshold", "resumed", "ratio")


def enterprise_day_facts(con, *, readings, counties, period: Window, params: IndexParams, stored=None):
    """Ibis: one row per eligible enterprise reporting on a day of ``period`` — exactly the rows the
    totals count (``compute.enterprise_days``)::

        enterprise_id, county, date, kwh, baseline, baseload,
        threshold (θ·B, or L + θ·(B − L) with the baseload option), resumed (0/1), ratio (kWh / B)

    ``counties``: enterprise_id, county (``attributes.enterprise_groups``), pyarrow or Ibis.
    """
    from fugong.index.compute import _eligible, baselines, enterprise_days, f64

    r = _to_table(con, readings, "readings")
    base = _eligible(stored if stored is not None else baselines(r, params=params, period=period), params)
    days = enterprise_days(r, base, period=period, params=params)
    counties = _to_table(con, counties, "counties")
    j = days.join(counties, "enterprise_id")
    theta = f64(params.theta)
    threshold = j.baseload + theta * (j.baseline - j.baseload) if params.baseload else theta * j.baseline
    return j.select(enterprise_id=j.enterprise_id, county=j.county, date=j.date, kwh=j.kwh, baseline=j.baseline,
                    baseload=j.baseload, threshold=threshold, resumed=j.resumed, ratio=j.kwh / j.baseline)


def enterprise_days_dir(settings) -> Path:
    return results_dir(settings) / "enterprise_days"


def write_enterprise_days(settings, *, con, files, enterprises, period: Window, params: IndexParams, only_dates=None,
                          baselines=None) -> Path:
    """results/index/enterprise_days/date=YYYY-MM-DD/part-0.parquet, one file per day (rows grouped by
    county), each replaced atomically; days outside ``only_dates`` are left as they are."""
    from fugong.index.attributes import enterprise_groups

    folder = enterprise_days_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    counties = enterprise_groups(enterprises, category_set=params.category_set).select(["enterprise_id", "county"])
    expr = enterprise_day_facts(con, readings=files, counties=counties, period=period, params=params, stored=baselines)
    if only_dates:
        expr = expr.filter(expr.date.isin(sorted(only_dates)))
    if getattr(con, "name", "") == "duckdb":
        con._register_in_memory_tables(expr)  # calendars of some baseline methods, as con.execute does
        return copy_enterprise_days(con.raw_sql, con.compile(expr), folder)
    table = con.to_pyarrow(expr).sort_by([("county", "ascending")])
    _write_level(table.select(list(ENTERPRISE_DAY_COLUMNS)), folder, only_dates=only_dates)
    return folder


def copy_enterprise_days(execute, sql: str, folder: Path) -> Path:
    """Write the rows of ``sql`` (``enterprise_day_facts`` compiled for DuckDB) as one file per day,
    each replaced atomically; ``execute`` runs a statement on the connection that can read them.

    The engine writes the files itself (a partitioned COPY), no rows through Python: a table of every
    row first cost 18 of 125 s at the demo's scale (333,427 enterprises × 183 days). The sort by
    county is what lets the drill-down read only the row groups of its county in a day's file; every
    reader orders the rows it shows itself, so they are not sorted by enterprise too (90.5 → 70.0 s at
    the demo's scale).
    """
    from fugong.index.store import sql_literal

    staging = folder / f".staging-{uuid.uuid4().hex}"
    try:
        # DuckDB keeps at most this many partition files open and starts another file for a day it
        # had to close (by default 100: 183 days ordered by county came out as up to 117 files a
        # day, of which only the last was kept). One open file per day of the run.
        execute(f"SET partitioned_write_max_open_files = {_open_files()}")
        _partitioned_copy(execute, f"""SELECT {', '.join(ENTERPRISE_DAY_COLUMNS)}, strftime(date, '%Y-%m-%d') AS day
                                       FROM ({sql}) ORDER BY county""", staging)
        for day in sorted(staging.glob("day=*")):
            target = folder / f"date={day.name.removeprefix('day=')}"
            target.mkdir(exist_ok=True)
            parts = sorted(day.glob("*.parquet"))
            if len(parts) > 1:  # a day written in several files (DuckDB may write one per thread): one file
                merged = day / "merged.tmp"
                execute(f"""COPY (SELECT {', '.join(ENTERPRISE_DAY_COLUMNS)} FROM read_parquet([{', '.join(sql_literal(str(p)) for p in parts)}],
                                                                           hive_partitioning = false) ORDER BY county)
                            TO {sql_literal(str(merged))} (FORMAT PARQUET, COMPRESSION zstd)""")
                parts = [merged]
            os.replace(parts[0], target / "part-0.parquet")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


# Partition files DuckDB may keep open while writing the per-enterprise days (one per day of a run),
# within half of the process's limit of open files (a day split by the limit is merged afterwards).
PARTITION_FILES_OPEN = 4096


def _open_files() -> int:
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = PARTITION_FILES_OPEN if soft == resource.RLIM_INFINITY else min(PARTITION_FILES_OPEN, soft // 2)
    return max(100, limit)


def _partitioned_copy(execute, select: str, staging: Path) -> None:
    """``staging``/day=YYYY-MM-DD/*.parquet from the rows of ``select`` (with a ``day`` column)."""
    from fugong.index.store import sql_literal

    execute(f"COPY ({select}) TO {sql_literal(str(staging))} (FORMAT PARQUET, PARTITION_BY (day), COMPRESSION zstd)")


def read_results(*, settings, level: str, date: dt.date | None = None, code_prefix: str | None = None):
    """Stored results of one level (all dates, or one), optionally codes starting with a prefix."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder = results_dir(settings) / f"level={'industry' if level == 'section' else level}"
    if date is not None:
        files = [folder / f"date={date.isoformat()}" / "part-0.parquet"]
    else:
        files = sorted(folder.glob("date=*/part-0.parquet"))
    files = [f for f in files if f.exists()]
    if not files:
        return pa.table({c: pa.array([], pa.string()) for c in OUTPUT_COLUMNS})
    table = pa.concat_tables([pq.read_table(f) for f in files])
    if code_prefix:
        table = table.filter(pc.starts_with(table["code"], code_prefix))
    return table


# --- per-enterprise results ---------------------------------------------------------------------


def enterprise_results(
    *,
    readings,
    enterprises,
    period: Window,
    params: IndexParams = IndexParams(),
    flags=None,
    features=None,
    engine: str = "duckdb",
    con=None,
    baselines=None,
):
    """Per enterprise: region/industry/size, baseline, eligible, first_resumption, cohort, never_stopped,
    holiday_ratio, and with interval ``features`` the load-shape features and flags (pyarrow.Table).
    ``baselines``: already computed ones (``stored_or_new_baselines``, an Ibis table on ``con``)."""
    from fugong.engine import connect
    from fugong.index.attributes import enterprise_groups
    from fugong.index.cohorts import FlagParams, enterprise_results as _results

    con = con or connect(engine)
    groups = enterprise_groups(enterprises, category_set=params.category_set)
    expr = _results(
        _to_table(con, readings, "readings"),
        _to_table(con, groups, "enterprises"),
        period=period,
        params=params,
        flags=flags or FlagParams(),
        features=_to_table(con, features, "features") if features is not None else None,
        stored=baselines,
    )
    return con.to_pyarrow(expr)


def interval_features(*, settings):
    """Stored per-meter daily load-shape features (enterprise_id, date, kwh, intervals, expected,
    completeness, peak, mean, night_day_ratio, flatness) as a pyarrow.Table, or None."""
    import pyarrow.parquet as pq
    import pyarrow as pa

    from fugong.index import store

    files = store.snapshot(settings).files("interval_days")
    if not files:
        return None
    return pa.concat_tables([pq.read_table(f) for f in files])


def compute_enterprises(*, settings, period: Window, params: IndexParams = IndexParams(), flags=None, engine: str | None = None) -> Path:
    """Per-enterprise results from the store → <data_dir>/results/index/enterprises.parquet."""
    from fugong.index import generation, store

    with generation.writing(settings, full=False), store.reading(settings) as snap:
        key = _enterprises_key(snap, params=params, period=period, flags=flags,
                               base_files=snap.files("daily", _baseline_months(params)))
        return _write_enterprises(settings, snap=snap, enterprises=snap.read_enterprises(), period=period, params=params,
                                  flags=flags, engine=engine, key=key)


ENTERPRISE_ATTRIBUTES = ("name", "uscc", "region_code", "industry_code")
ENTERPRISES_ROW_GROUP = 122_880  # DuckDB's own row-group size


def _write_enterprises(settings, *, snap, enterprises, period, params, flags, engine, key: dict | None = None) -> Path:
    """enterprises.parquet: per-enterprise results from the store version ``snap``, with the enterprise's
    name, USCC and codes (what the drill-down lists and filters on), replaced atomically.

    The baselines are the ones the run's totals saved (``stored_or_new_baselines``, computed here if
    there are none for these params), so that only the months of ``cohorts.days_read`` are read: at the
    demo's scale the baseline window is three of the six stored months."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from fugong.engine import connect
    from fugong.index.cohorts import days_read
    from fugong.index.store import month_of

    flags = flags or FlagParams()
    con = connect(engine or settings.engine)
    files = snap.files("daily")
    base = stored_or_new_baselines(settings, con=con, files=files, base_files=snap.files("daily", _baseline_months(params)),
                                   params=params, period=period)
    if base is not None:  # None for the lunar method, whose reference days lie a year back
        months = _months_of([days_read(period, flags)])
        files = [f for f in files if month_of(Path(f).as_posix()) in months]
    feature_files = snap.files("interval_days")
    table = enterprise_results(
        readings=files,
        enterprises=enterprises,
        period=period,
        params=params,
        flags=flags,
        features=pa.concat_tables([pq.read_table(f) for f in feature_files]) if feature_files else None,
        con=con,
        baselines=base,
    )
    attributes = enterprises.select(["enterprise_id", *[c for c in ENTERPRISE_ATTRIBUTES if c in enterprises.column_names]])
    table = table.join(attributes, "enterprise_id", join_type="left outer").sort_by("enterprise_id")
    if key is not None:  # what it was computed from: a run for new days then brings it up to date (index/oneday.py)
        from fugong.index.oneday import enterprises_metadata

        table = table.replace_schema_metadata(enterprises_metadata(settings, key=key, feature_files=feature_files, period=period,
                                                                   params=params, flags=flags or FlagParams()))
    root = results_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    target = root / "enterprises.parquet"
    tmp = root / f".enterprises-{uuid.uuid4().hex}.tmp"
    # Row groups of DuckDB's size (pyarrow's default is one group of up to 1 M rows): a reader, and a
    # run that rewrites the file for new load-shape flags (oneday._refresh), read it on every core.
    pq.write_table(table, tmp, row_group_size=ENTERPRISES_ROW_GROUP)
    from fugong.index.oneday import changes_path

    # The changes of runs for new days are in the new file; removed first, so that a reader in
    # between sees the older results whole, never changes against results they were not made for.
    changes_path(settings).unlink(missing_ok=True)
    os.replace(tmp, target)
    return target
