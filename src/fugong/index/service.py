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

from fugong.index.compute import LEVELS, IndexParams, Inputs, Window, compute_levels

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
        if con.name == "duckdb":
            return con.create_table(name, value, temp=True)
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
) -> dict:
    """The index for each level: {level: pyarrow.Table with OUTPUT_COLUMNS}.

    ``readings``: pyarrow table (enterprise_id, date, kwh) or list of Parquet files;
    ``enterprises``: pyarrow table with enterprise_id, region_code, industry_code[, size_class];
    ``members``: pyarrow table (group_id, enterprise_id) for level "group".
    """
    from fugong.engine import connect
    from fugong.index.attributes import enterprise_groups

    levels = tuple("industry" if lv == "section" else lv for lv in levels)
    con = con or connect(engine)
    groups = enterprise_groups(enterprises, category_set=params.category_set)
    inputs = Inputs(
        readings=_to_table(con, readings, "readings"),
        enterprises=_to_table(con, groups, "enterprises"),
        members=_to_table(con, members, "members") if members is not None else None,
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
    return Path(settings.data_dir) / "results" / "index"


def _write_level(table, folder: Path, *, only_dates: set | None) -> None:
    """Write one file per date atomically (temp file, then rename); leave other dates untouched."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    for day in sorted(set(table["date"].to_pylist())):
        if only_dates is not None and day not in only_dates:
            continue
        part = table.filter(pc.equal(table["date"], day))
        target = folder / f"date={day.isoformat()}"
        target.mkdir(exist_ok=True)
        tmp = target / f".part-{uuid.uuid4().hex}.tmp"
        pq.write_table(part, tmp)
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
) -> dict[str, Path]:
    """Compute every breakdown from the store and write results per level and date.

    ``only_dates``: incremental run; baselines are computed as always, but only these dates' files
    are written (use ``changed_dates`` from the ingest summary). Returns {level: folder}.
    """
    import pyarrow.parquet as pq

    from fugong.index import store

    note = progress or (lambda _msg: None)
    with store.reading(settings) as snap:  # one version of the store, pinned while we read it
        files = snap.files("daily")
        if not files:
            raise FileNotFoundError(f"no daily readings in {store.daily_root(settings)}: run `fugong index ingest daily FILE` first")
        enterprises = snap.read_enterprises()
        return _compute_all(settings=settings, files=files, enterprises=enterprises, period=period, params=params,
                            note=note, engine=engine, only_dates=only_dates, members_path=members_path)


def _compute_all(*, settings, files, enterprises, period, params, note, engine, only_dates, members_path) -> dict[str, Path]:
    import pyarrow.parquet as pq

    members = pq.read_table(members_path) if members_path else None
    levels = LEVELS + (("group",) if members is not None else ())
    run_period = period
    if only_dates:
        # The readings of the other days are not needed; the baseline window is read as always.
        run_period = Window(min(only_dates), max(only_dates))
    note("computing")
    tables = compute(
        readings=files,
        enterprises=enterprises,
        period=run_period,
        params=params,
        levels=levels,
        engine=engine or settings.engine,
        members=members,
        with_band=True,
    )
    out = {}
    root = results_dir(settings)
    for level, table in tables.items():
        note(f"writing {level}")
        _write_level(table, root / f"level={level}", only_dates=only_dates)
        out[level] = root / f"level={level}"
    (root / "params.json").write_text(
        json.dumps({"period": str(period), "baseline": str(params.baseline), "theta": params.theta, "weight": params.weight,
                    "min_baseline_kwh": params.min_baseline_kwh, "baseline_method": params.baseline_method,
                    "energy_numerator": params.energy_numerator, "baseload": params.baseload,
                    "computed_at": dt.datetime.now(dt.timezone.utc).isoformat()}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return out


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


def clear_results(settings) -> None:
    shutil.rmtree(results_dir(settings), ignore_errors=True)


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
):
    """Per enterprise: region/industry/size, baseline, eligible, first_resumption, cohort, never_stopped,
    holiday_ratio, and with interval ``features`` the load-shape features and flags (pyarrow.Table)."""
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
    import pyarrow.parquet as pq

    from fugong.index import store

    import pyarrow as pa

    with store.reading(settings) as snap:
        feature_files = snap.files("interval_days")
        table = enterprise_results(
            readings=snap.files("daily"),
            enterprises=snap.read_enterprises(),
            period=period,
            params=params,
            flags=flags,
            features=pa.concat_tables([pq.read_table(f) for f in feature_files]) if feature_files else None,
            engine=engine or settings.engine,
        )
    root = results_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    target = root / "enterprises.parquet"
    tmp = root / f".enterprises-{uuid.uuid4().hex}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, target)
    return target
