"""A run for new days without Ibis: ``fugong index run --date D`` answers in under two seconds.

The index is defined once, as Ibis expressions (``compute.levels_expression`` and
``service.enterprise_day_facts``). A full run on DuckDB also compiles those expressions over four
named inputs and saves the SQL, with the two tables the inputs need, in one DuckDB file (the "plan",
replaced atomically, so that statements, groups and baselines always belong together)::

    results/index/plan.duckdb
        plan       key (JSON), period ('2019-10-01:2020-03-31'), statements (JSON:
                   {"steps": [["plan_step_0", "SELECT …"], …], "stored_steps": ["plan_step_0", …],
                    "levels": "SELECT …", "enterprise_days": "SELECT …", "types": {column: DuckDB type}})
        groups     enterprise_id, county, city, province, section, category, size_class, gid
                   (``attributes.enterprise_groups``)
        baselines  enterprise_id, baseline, baseload   (``compute.baselines``)
        plan_step_N   the steps that read no day, as computed from the two tables above

    inputs of the statements
        plan_readings   enterprise_id, date, kwh      the new days' readings
        plan_baselines  plan.baselines
        plan_groups     plan.groups
        plan_dates      date                          the new days

The steps are the intermediates several levels read (the full path caches them); those that read
no day (the eligible enterprises with their attribute key, and their counts) are computed once when
the plan is saved and stored in it, the others a run creates as temp tables before the levels
statement. A run for days inside the plan's period, with the same parameters, the same stored
enterprises and the same files of the baseline months (``plan_key``) runs the saved statements in a plain DuckDB connection and lets DuckDB write the files. Importing
Ibis costs 0.8 s, and building an Arrow column from Python values makes pyarrow import pandas
(0.5 s): together more than the whole day's work at provincial scale. Anything else — no plan, other
parameters, a late reading in a baseline month, an edited category-set file, the lunar method,
custom groups, Spark — takes the full path, which saves a new plan.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from pathlib import Path

from fugong.index.params import LEVELS, IndexParams, Window

# The inputs' names and types: the saved SQL reads these (compiled on empty views of these types).
INPUTS = {
    "plan_readings": {"enterprise_id": "VARCHAR", "date": "DATE", "kwh": "DOUBLE"},
    "plan_baselines": {"enterprise_id": "VARCHAR", "baseline": "DOUBLE", "baseload": "DOUBLE"},
    "plan_groups": {"enterprise_id": "VARCHAR", "county": "VARCHAR", "city": "VARCHAR", "province": "VARCHAR",
                    "section": "VARCHAR", "category": "VARCHAR", "size_class": "VARCHAR", "gid": "BIGINT"},
    "plan_dates": {"date": "DATE"},
    # the stored interval features the load-shape flags read (``cohorts.shape_flags``)
    "plan_features": {"enterprise_id": "VARCHAR", "date": "DATE", "kwh": "DOUBLE", "completeness": "DOUBLE",
                      "flatness": "DOUBLE", "night_day_ratio": "DOUBLE"},
}


def plan_path(settings) -> Path:
    from fugong.index.generation import results_dir

    return results_dir(settings) / "plan.duckdb"


def plan_key(*, params: IndexParams, baselines_key: str, enterprises_file: Path | None) -> dict:
    """What the saved statements and tables depend on besides the days."""
    from fugong import __version__

    return {"fugong": __version__, "params": params.to_dict(), "baselines": baselines_key, "enterprises": str(enterprises_file),
            "category_set": _category_set_digest(params.category_set)}


def _category_set_digest(name_or_path: str) -> str | None:
    """SHA-256 of a category set given as a file (its enterprises' categories are in the saved groups);
    None for a shipped set, which the package version names."""
    import hashlib

    from fugong.reference.industries import available_category_sets

    if name_or_path in available_category_sets():
        return None
    try:
        return hashlib.sha256(Path(name_or_path).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def before_replace() -> None:
    """Hook called just before a new plan file replaces the old one (a test pauses and kills the run here)."""


def save_plan(settings, *, con, enterprises, baselines, params: IndexParams, period: Window, key: dict) -> None:
    """Compile the day statements with Ibis on ``con`` (DuckDB) and save them with the groups and
    ``baselines`` (an Ibis table on ``con``) in a new plan file. ``enterprises``: the pyarrow table
    the full run computed with."""
    from fugong.index.attributes import enterprise_groups
    from fugong.index.compute import Inputs, levels_expression
    from fugong.index.service import enterprise_day_facts
    from fugong.index.store import sql_literal

    raw = con.con
    for name, columns in INPUTS.items():
        typed = ", ".join(f"CAST(NULL AS {kind}) AS {column}" for column, kind in columns.items())
        raw.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {typed} WHERE false")
    readings, base, groups, dates, features = (con.table(name) for name in INPUTS)
    steps = []

    def keep(table):
        """An intermediate several levels read (as the engine's cache would): a temp table of its own."""
        name = f"plan_step_{len(steps)}"
        sql = con.compile(table)
        steps.append([name, sql])
        raw.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")  # empty inputs: only its columns matter
        return con.table(name)

    levels = levels_expression(con, Inputs(readings=readings, enterprises=groups, baselines=base, dates=dates),
                               period=period, params=params, levels=LEVELS, keep=keep)
    days = enterprise_day_facts(con, readings=readings, counties=groups.select("enterprise_id", "county"), period=period,
                                params=params, stored=base)
    from fugong.index.cohorts import FlagParams, shape_flags

    shapes = shape_flags(features, base, flags=FlagParams(), params=params, period=period)
    stored = _day_free(steps)
    statements = json.dumps({"steps": steps, "stored_steps": stored, "levels": con.compile(levels),
                             "enterprise_days": con.compile(days), "shapes": con.compile(shapes),
                             # the types Ibis gives the results (con.to_pyarrow casts to them; the SQL alone may not)
                             "types": _duckdb_types(levels) | _duckdb_types(days), "shape_types": _duckdb_types(shapes)}, ensure_ascii=False)
    if "memtable" in statements:
        return  # reads an in-memory table the saved SQL could not name: new days take the full path
    target = plan_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(target.parent)
    tmp = target.with_name(f".plan-{uuid.uuid4().hex}.tmp")
    registered = f"fugong_plan_groups_{uuid.uuid4().hex[:8]}"
    raw.register(registered, enterprise_groups(enterprises, category_set=params.category_set))
    typed = lambda name: ", ".join(f"CAST({c} AS {kind}) AS {c}" for c, kind in INPUTS[name].items())  # noqa: E731
    try:
        raw.execute(f"ATTACH {sql_literal(str(tmp))} AS fugong_new_plan")
        try:
            raw.execute(f"CREATE TABLE fugong_new_plan.groups AS SELECT {typed('plan_groups')} FROM {registered}")
            con._register_in_memory_tables(baselines)
            raw.execute(f"CREATE TABLE fugong_new_plan.baselines AS SELECT {typed('plan_baselines')} FROM ({con.compile(baselines)})")
            # The steps that read no day (the eligible enterprises and their counts) are the same for
            # every new day: computed here once, over the tables just saved, and saved with them.
            raw.execute("CREATE OR REPLACE TEMP VIEW plan_groups AS SELECT * FROM fugong_new_plan.groups")
            raw.execute("CREATE OR REPLACE TEMP VIEW plan_baselines AS SELECT * FROM fugong_new_plan.baselines")
            for name in stored:
                raw.execute(f"CREATE TABLE fugong_new_plan.{name} AS SELECT * FROM {name}")
            raw.execute("CREATE TABLE fugong_new_plan.plan (key VARCHAR, period VARCHAR, statements VARCHAR)")
            raw.execute("INSERT INTO fugong_new_plan.plan VALUES (?, ?, ?)",
                        [json.dumps(key, ensure_ascii=False, sort_keys=True), str(period), statements])
        finally:
            raw.execute("DETACH fugong_new_plan")
        before_replace()
        os.replace(tmp, target)
    finally:
        raw.unregister(registered)
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)


def _day_free(steps: list[list[str]]) -> list[str]:
    """Names of the steps that read neither the days' readings nor the days, directly or through an
    earlier step (their SQL names the inputs and the steps in double quotes)."""
    daily = {"plan_readings", "plan_dates"}
    free = []
    for name, sql in steps:
        if any(f'"{other}"' in sql for other in daily):
            daily.add(name)
        else:
            free.append(name)
    return free


def _duckdb_types(table) -> dict[str, str]:
    """{column: DuckDB type} of an Ibis table's schema."""
    from ibis.backends.sql.datatypes import DuckDBType

    return {name: DuckDBType.from_ibis(kind).sql("duckdb") for name, kind in table.schema().items()}


STALE_SECONDS = 3600  # a temporary plan this old belongs to a run that was killed, not to one still writing


def _remove_stale_temporaries(folder: Path) -> None:
    import time

    for path in folder.glob(".plan-*.tmp*"):  # the database and its .wal
        try:
            if time.time() - path.stat().st_mtime > STALE_SECONDS:
                path.unlink()
        except FileNotFoundError:
            pass


def run_days(settings, *, snap, params: IndexParams, days: set[dt.date], baselines_key: str, note) -> dict[str, Path] | None:
    """Write the results of ``days`` (every level, the per-enterprise days) from the saved plan, as the
    full path would; None when the plan does not apply (the caller then takes the full path)."""
    from fugong.index.service import enterprise_days_dir, results_dir
    from fugong.index.store import month_of, sql_literal

    path = plan_path(settings)
    months = {d.strftime("%Y-%m") for d in days}
    files = [str(f) for f in snap.files("daily") if month_of(Path(f).as_posix()) in months]
    if not path.exists() or not files:
        return None
    import duckdb

    con = duckdb.connect()
    try:
        # Open once: a full run that replaces the file meanwhile does not change what this run reads.
        con.execute(f"ATTACH {sql_literal(str(path))} AS fugong_plan (READ_ONLY)")
        saved_key, saved_period, statements = con.execute("SELECT key, period, statements FROM fugong_plan.plan").fetchone()
        plan, period = json.loads(statements), Window.parse(saved_period)
    except (duckdb.Error, ValueError, TypeError):
        return None  # unreadable or of another shape: the full path writes a new one
    key = plan_key(params=params, baselines_key=baselines_key, enterprises_file=snap.enterprises_path())
    if json.loads(saved_key) != key or not all(period.start <= d <= period.end for d in days):
        return None
    note("computing (saved plan)")
    con.execute("CREATE TEMP VIEW plan_groups AS SELECT * FROM fugong_plan.groups")
    con.execute("CREATE TEMP VIEW plan_baselines AS SELECT * FROM fugong_plan.baselines")
    day_list = ", ".join(f"DATE '{d.isoformat()}'" for d in sorted(days))
    # A table, not a view: the levels and the per-enterprise days both read the days' readings.
    con.execute(f"""CREATE TEMP TABLE plan_readings AS
                    SELECT CAST(enterprise_id AS VARCHAR) AS enterprise_id, date, CAST(kwh AS DOUBLE) AS kwh
                    FROM read_parquet([{', '.join(sql_literal(f) for f in files)}]) WHERE date IN ({day_list})""")
    con.execute(f"CREATE TEMP VIEW plan_dates AS SELECT UNNEST([{day_list}]) AS date")
    stored = set(plan.get("stored_steps", ()))
    for name, sql in plan["steps"]:
        if name in stored:  # the same for every day: saved with the plan
            con.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM fugong_plan.{name}")
        else:
            con.execute(f"CREATE TEMP TABLE {name} AS {sql}")
    con.execute(f"CREATE TEMP TABLE plan_levels AS {plan['levels']}")
    from fugong.index.service import ENTERPRISE_DAY_COLUMNS, copy_enterprise_days

    out = {}
    root = results_dir(settings)
    for level in LEVELS:
        note(f"writing {level}")
        names = _names(con, level, params)
        for day in sorted(days):
            # DuckDB writes the file (none for a level without rows that day, as the full path): no
            # pyarrow to import (0.2 s), the same columns and types.
            _copy_to(con, _finished(level, day, params, plan["types"], names), root / f"level={level}", day)
        out[level] = root / f"level={level}"
    note("writing enterprise days")
    folder = enterprise_days_dir(settings)
    if len(days) == 1:  # one file: written directly, not through a partitioned COPY (0.15 s less)
        (day,) = days
        columns = ", ".join(f"CAST({c} AS {plan['types'][c]}) AS {c}" for c in ENTERPRISE_DAY_COLUMNS)
        _copy_to(con, f"SELECT {columns} FROM ({plan['enterprise_days']}) ORDER BY county", folder, day,
                 options=", COMPRESSION zstd")
    else:
        copy_enterprise_days(con.execute, plan["enterprise_days"], folder)
    out["enterprise_days"] = folder
    return out


def _copy_to(con, select: str, folder: Path, day: dt.date, *, options: str = "") -> None:
    """``folder``/date=D/part-0.parquet from the rows of ``select``, replaced atomically; nothing is
    written (an older file is left as it is) when there are no rows, as the full path does."""
    from fugong.index.store import sql_literal

    target = folder / f"date={day.isoformat()}"
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / f".part-{uuid.uuid4().hex}.tmp"
    try:
        (written,) = con.execute(f"COPY ({select}) TO {sql_literal(str(tmp))} (FORMAT PARQUET{options})").fetchone()
        if written:
            os.replace(tmp, target / "part-0.parquet")
    finally:
        tmp.unlink(missing_ok=True)


def _names(con, level: str, params: IndexParams) -> str:
    """SQL ``VALUES`` of (code, name) for the codes of one level (``attributes.group_name``)."""
    from fugong.index.attributes import group_name
    from fugong.index.store import sql_literal

    codes = [code for (code,) in con.execute(f"SELECT DISTINCT code FROM plan_levels WHERE level = '{level}'").fetchall()]
    rows = ", ".join(f"({sql_literal(c)}, {sql_literal(group_name(level, c, category_set=params.category_set))})" for c in codes)
    return f"(VALUES {rows})" if codes else "(SELECT NULL AS code, NULL AS name)"


def _finished(level: str, day: dt.date, params: IndexParams, types: dict[str, str], names: str) -> str:
    """The rows of one level and day as ``service.finish`` makes them (level, name, band; ordered by
    code), in SQL: building an Arrow column from Python values makes pyarrow import pandas (0.5 s)."""
    from fugong.index.service import OUTPUT_COLUMNS
    from fugong.index.store import sql_literal

    # Each cut-off as the exact double Python compares with (a bare 0.46882812245415684 is a DECIMAL to DuckDB).
    bands = " ".join(f"WHEN index < CAST('{float(cut)!r}' AS DOUBLE) THEN {sql_literal(name)}"
                     for cut, name in zip(params.band_cutoffs, params.band_names))
    band = f"CASE WHEN index IS NULL THEN NULL {bands} ELSE {sql_literal(params.band_names[len(params.band_cutoffs)])} END"
    columns = {c: f"CAST({c} AS {types[c]})" if c in types else c for c in OUTPUT_COLUMNS}
    columns |= {"level": sql_literal(level), "name": "coalesce(names.name, '')"}
    select = ", ".join(f"{expr} AS {column}" for column, expr in columns.items())
    return f"""SELECT {select}, {band} AS band FROM plan_levels LEFT JOIN {names} AS names(code, name) USING (code)
               WHERE level = {sql_literal(level)} AND date = DATE '{day.isoformat()}' ORDER BY code"""


# --- the per-enterprise results after a run for some days ------------------------------------------
#
# ``results/index/enterprises.parquet`` (first resumption, cohort, load-shape flags) is written by a
# full run, which saves with it, as Parquet key-value metadata, what it was computed from:
#
#   fugong_key        the plan's key, the period and the flag rules
#   fugong_features   the stored interval-feature parts (``features_digest``)
#   fugong_days       {working day: [count, digest]} of the enterprises resumed in each stored
#                     per-enterprise day file from the flags' start to the period's end (``resumed_on``)
#
# A run for some days brings it up to date without computing it again when the days allow
# (``refresh_enterprises``); otherwise the caller computes it in full. Comparing the day files with
# ``fugong_days`` (not with what this run found before it wrote them) also catches a day written by
# a run that died before its refresh. What a day can change, by the definitions in ``cohorts``:
#
#   a rest day, or a working day whose resumed enterprises are those of fugong_days   nothing
#   a day of the holiday core      its kWh are in the holiday ratio (never stopped)    → in full
#   a stored working day revised   any run through it                                  → in full
#   a working day filled in before stored ones: two runs may join                      → in full
#   new working days after every stored one: an enterprise without a first resumption (all its runs
#   so far shorter than k) has one exactly when the k working days ending on a new day are all
#   resumed, and it is the first of them; its cohort goes from not-resumed to resumed — written to
#   ``changes_path`` (with the newer fugong_days), not into the file
#   interval features ingested     the load-shape flags, recomputed from the stored features with
#   since (``fugong_features``)    the statement the plan compiled from ``cohorts.shape_flags``
#   the lunar method (per-day baselines in the day files, their mean in the results), or a period
#   starting after the flags' start (the results read days the period has no day files for) → in full


def enterprises_path(settings) -> Path:
    return plan_path(settings).with_name("enterprises.parquet")


def changes_path(settings) -> Path:
    """The first resumptions that runs for new days found since enterprises.parquet was written, as
    rows (enterprise_id, first_resumption, cohort), with the days' record (fugong_days) in its
    metadata. Rewriting the 333,427 × 26 file for some 1,500 changed rows was 0.4–0.6 s of a new
    day's run; readers apply the rows (``read_enterprise_results``)."""
    return plan_path(settings).with_name("enterprises-since.parquet")


CHANGED_COLUMNS = ("first_resumption", "cohort")


def read_enterprise_results(settings, columns: list[str] | None = None):
    """The per-enterprise results (pyarrow.Table) with the changes of runs for new days applied:
    what every reader of enterprises.parquet reads; None when there are none."""
    base, changes = results_files(settings)
    return read_enterprise_results_at(base, changes, columns)


def results_files(settings) -> tuple[Path, Path]:
    """(enterprises.parquet, its changes) in one generation: the link resolved once, so that a full
    run swapping it between the two opens cannot pair one generation's file with another's changes."""
    folder = enterprises_path(settings).parent.resolve()
    return folder / "enterprises.parquet", folder / changes_path(settings).name


def read_enterprise_results_at(base: Path, changes: Path, columns: list[str] | None = None):
    import pyarrow.parquet as pq

    wanted = None if columns is None else list(dict.fromkeys(["enterprise_id", *columns]))
    try:
        table = pq.read_table(base, columns=wanted)
    except FileNotFoundError:
        return None
    if columns is None or any(c in columns for c in CHANGED_COLUMNS):
        try:
            table = apply_changes(table, pq.read_table(changes))
        except FileNotFoundError:
            pass
    return table if columns is None else table.select(columns)


def apply_changes(table, changes):
    """``table`` with first_resumption and cohort replaced where ``changes`` has a row of the enterprise."""
    import pyarrow as pa
    import pyarrow.compute as pc

    at = pc.index_in(table["enterprise_id"].cast(pa.string()), value_set=changes["enterprise_id"].cast(pa.string()))
    found = pc.is_valid(at)
    for column in CHANGED_COLUMNS:
        if column in table.column_names:
            field = table.schema.field(column)
            new = pc.take(changes[column], at).cast(field.type)
            table = table.set_column(table.schema.get_field_index(column), field, pc.if_else(found, new, table[column]))
    return table


def enterprises_key(*, plan: dict, period: Window, flags) -> dict:
    """What enterprises.parquet depends on: the plan's key, the period and the flag rules."""
    return {**plan, "period": str(period), "flags": flags.to_dict()}


def features_digest(feature_files) -> str:
    """SHA-256 of the names of the stored interval-feature parts (each written once, under a new name)."""
    import hashlib

    return hashlib.sha256("\n".join(sorted(Path(f).name for f in feature_files)).encode()).hexdigest()


def enterprises_metadata(settings, *, key: dict, feature_files, period: Window, params: IndexParams, flags,
                         days: dict | None = None) -> dict[str, str]:
    """The Parquet key-value metadata of enterprises.parquet (table above); ``days``: fugong_days
    when the caller has it, else read from the stored day files."""
    if days is None:
        days = {d.isoformat(): list(v) for d, v in resumed_on(settings, working_days(period=period, params=params, flags=flags)).items()
                if v is not None}
    return {"fugong_key": json.dumps(key, ensure_ascii=False, sort_keys=True), "fugong_features": features_digest(feature_files),
            "fugong_days": json.dumps(days, sort_keys=True)}


def working_days(*, period: Window, params: IndexParams, flags) -> list[dt.date]:
    """The working days first resumption counts: from the flags' start to the period's end."""
    from fugong.reference.workdays import CLOSURES, workdays

    if period.end < flags.start:
        return []
    return workdays(flags.start, period.end, closures=tuple(CLOSURES[c] for c in params.closures))


def _day_file(settings, day: dt.date) -> Path:
    return plan_path(settings).parent / "enterprise_days" / f"date={day.isoformat()}" / "part-0.parquet"


def resumed_on(settings, days, *, con=None) -> dict[dt.date, tuple | None]:
    """{day: (count, digest) of the enterprises stored as resumed that day, or None without a file}.

    A day whose pair is the one saved in fugong_days changes no first resumption. The digest is the
    XOR of the ids' 64-bit hashes: an unordered set's fingerprint, read in one pass over the files.
    """
    import duckdb

    from fugong.index.store import sql_literal

    out = {day: None for day in days}
    files = [path for path in (_day_file(settings, day) for day in sorted(days)) if path.exists()]
    if not files:
        return out
    con = con or duckdb.connect()
    for day, count, digest in con.execute(f"""SELECT date, count(*) FILTER (WHERE resumed = 1),
                                                     coalesce(bit_xor(hash(enterprise_id)) FILTER (WHERE resumed = 1), 0)
                                              FROM read_parquet([{', '.join(sql_literal(str(f)) for f in files)}]) GROUP BY date""").fetchall():
        out[day] = (count, digest)
    return out


def refresh_enterprises(settings, *, days, key: dict, period: Window, params: IndexParams, flags, feature_files: list) -> bool:
    """Bring enterprises.parquet up to date with a run for ``days`` (table above); True when it is
    (nothing to change, or the changes written beside it), False when the caller must compute it in full."""
    import duckdb

    con = duckdb.connect()
    try:
        return _refresh(con, settings, days=days, key=key, period=period, params=params, flags=flags, feature_files=feature_files)
    finally:
        con.close()


def _refresh(con, settings, *, days, key, period, params, flags, feature_files) -> bool:
    import duckdb

    from fugong.index.store import sql_literal

    target = enterprises_path(settings)
    try:
        saved = {k.decode(): v.decode() for k, v in con.execute(f"SELECT key, value FROM parquet_kv_metadata({sql_literal(str(target))})").fetchall()}
        columns = {name for (name,) in con.execute(f"SELECT name FROM parquet_schema({sql_literal(str(target))})").fetchall()}
    except duckdb.Error:
        return False
    if "fugong_key" not in saved or "fugong_days" not in saved or json.loads(saved["fugong_key"]) != json.loads(json.dumps(key)):
        return False  # computed from other data, parameters or rules, or by an older version
    changes = changes_path(settings)
    if changes.exists():  # runs for new days since: their record of the days is the newer one
        try:
            since = {k.decode(): v.decode() for k, v in con.execute(f"SELECT key, value FROM parquet_kv_metadata({sql_literal(str(changes))})").fetchall()}
        except duckdb.Error:
            return False
        if since.get("fugong_key") != saved["fugong_key"] or "fugong_days" not in since:
            return False
        saved["fugong_days"] = since["fugong_days"]
    # the results as readers see them: the file with the changes applied
    current = (f"""(SELECT b.* REPLACE (coalesce(c.first_resumption, b.first_resumption) AS first_resumption,
                                        coalesce(c.cohort, b.cohort) AS cohort)
                    FROM read_parquet({sql_literal(str(target))}) AS b LEFT JOIN read_parquet({sql_literal(str(changes))}) AS c USING (enterprise_id))"""
               if changes.exists() else f"read_parquet({sql_literal(str(target))})")
    core = flags.holiday_core
    if params.baseline_method == "lunar" or period.start > flags.start or any(core.start <= d <= core.end for d in days):
        return False
    working = working_days(period=period, params=params, flags=flags)
    stored = json.loads(saved["fugong_days"])
    # The run's days, and any working day with a day file the record lacks: written by a run that
    # died before it recorded them (or whose record of them was lost with it).
    unrecorded = {d for d in working if d.isoformat() not in stored and _day_file(settings, d).exists()}
    now = resumed_on(settings, (set(days) | unrecorded) & set(working), con=con)
    changed = sorted(d for d, v in now.items() if stored.get(d.isoformat()) != (list(v) if v else None))
    if any(d.isoformat() in stored for d in changed):
        return False  # a stored working day revised
    if changed and any(d > changed[0] and d not in changed and (d.isoformat() in stored or _day_file(settings, d).exists())
                       for d in working):
        return False  # filled in before stored days
    if ("idle_suspect" in columns) != bool(feature_files):
        return False  # features since added or gone: every flag column changes
    reshape = saved.get("fugong_features") != features_digest(feature_files)  # interval readings ingested since
    if not changed and not reshape:
        return True
    found = bool(changed) and _new_first_resumptions(con, settings, current=current, new=changed, working=working, k=flags.k)
    # the new days are recorded even when no enterprise resumed on them (the next day's check reads them)
    days_now = stored | {d.isoformat(): list(v) for d, v in now.items() if v is not None}
    if not reshape:
        _write_changes(con, settings, current=current, found=found, key=saved["fugong_key"], days=days_now)
        return True
    replace, joins = [], ""
    if found:
        replace += ["CASE WHEN e.eligible AND e.first_resumption IS NULL THEN n.first ELSE e.first_resumption END AS first_resumption",
                    "CASE WHEN e.cohort = 'not-resumed' AND n.first IS NOT NULL THEN 'resumed' ELSE e.cohort END AS cohort"]
        joins = " LEFT JOIN fugong_new_first AS n USING (enterprise_id)"
    if reshape:
        shapes = _shape_statement(con, settings, key=key, period=period, flags=flags)
        if shapes is None:
            return False
        sql, types = shapes
        con.execute("CREATE TEMP VIEW plan_baselines AS SELECT * FROM fugong_plan.baselines")
        listed = ", ".join(sql_literal(str(f)) for f in feature_files)
        selected = ", ".join(f"CAST({c} AS {kind}) AS {c}" for c, kind in INPUTS["plan_features"].items())
        con.execute(f"CREATE TEMP VIEW plan_features AS SELECT {selected} FROM read_parquet([{listed}])")
        con.execute(f"CREATE TEMP TABLE fugong_shapes AS {sql}")
        replace += [f"CAST(s.{c} AS {kind}) AS {c}" for c, kind in types.items() if c != "enterprise_id" and c in columns]
        joins += " LEFT JOIN fugong_shapes AS s USING (enterprise_id)"
    metadata = enterprises_metadata(settings, key=key, feature_files=feature_files, period=period, params=params, flags=flags,
                                    days=days_now)
    listed = ", ".join(f"{name}: {sql_literal(value)}" for name, value in metadata.items())
    select = f"SELECT e.* REPLACE ({', '.join(replace)})" if replace else "SELECT e.*"
    tmp = target.with_name(f".enterprises-{uuid.uuid4().hex}.tmp")
    try:
        con.execute(f"""COPY ({select} FROM {current} AS e{joins} ORDER BY enterprise_id)
                        TO {sql_literal(str(tmp))} (FORMAT PARQUET, KV_METADATA {{{listed}}})""")
        os.replace(tmp, target)
        changes.unlink(missing_ok=True)  # folded into the file (a reader in between applies them twice: the same rows)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _write_changes(con, settings, *, current: str, found: bool, key: str, days: dict) -> None:
    """changes_path: the earlier changes, the new first resumptions (temp table fugong_new_first when
    ``found``), and the days' record; replaced atomically."""
    from fugong.index.store import sql_literal

    changes = changes_path(settings)
    parts = [f"SELECT enterprise_id, first_resumption, cohort FROM read_parquet({sql_literal(str(changes))})"] if changes.exists() else []
    if found:  # their cohort as the full computation gives it: not-resumed → resumed, never-stopped stays
        parts.append(f"""SELECT e.enterprise_id, n.first AS first_resumption,
                                CASE WHEN e.cohort = 'not-resumed' THEN 'resumed' ELSE e.cohort END AS cohort
                         FROM {current} AS e JOIN fugong_new_first AS n USING (enterprise_id)""")
    rows = " UNION ALL ".join(parts) or "SELECT NULL::VARCHAR AS enterprise_id, NULL::DATE AS first_resumption, NULL::VARCHAR AS cohort WHERE false"
    metadata = {"fugong_key": key, "fugong_days": json.dumps(days, sort_keys=True)}
    listed = ", ".join(f"{name}: {sql_literal(value)}" for name, value in metadata.items())
    tmp = changes.with_name(f".enterprises-since-{uuid.uuid4().hex}.tmp")
    try:
        con.execute(f"""COPY (SELECT CAST(enterprise_id AS VARCHAR) AS enterprise_id, CAST(first_resumption AS DATE) AS first_resumption,
                                     CAST(cohort AS VARCHAR) AS cohort FROM ({rows}) ORDER BY enterprise_id)
                        TO {sql_literal(str(tmp))} (FORMAT PARQUET, KV_METADATA {{{listed}}})""")
        os.replace(tmp, changes)
    finally:
        tmp.unlink(missing_ok=True)


def _new_first_resumptions(con, settings, *, current: str, new: list[dt.date], working: list[dt.date], k: int) -> int:
    """Temp table fugong_new_first (enterprise_id, first): the enterprises without a first resumption
    whose k working days ending on a new day are all resumed, with the first of those days (the
    earliest new day's run, when several complete one); returns how many there are."""
    from fugong.index.store import sql_literal

    con.execute("CREATE TEMP TABLE fugong_first (enterprise_id VARCHAR, first DATE)")
    waiting = f"SELECT enterprise_id FROM {current} WHERE eligible AND first_resumption IS NULL"
    for day in new:
        run = [d for d in working if d <= day][-k:]
        files = [_day_file(settings, d) for d in run]
        if len(run) < k or not all(f.exists() for f in files):
            continue
        con.execute(f"""INSERT INTO fugong_first
                        SELECT enterprise_id, DATE '{run[0].isoformat()}' FROM read_parquet([{', '.join(sql_literal(str(f)) for f in files)}])
                        WHERE resumed = 1 AND enterprise_id IN ({waiting}) GROUP BY enterprise_id HAVING count(*) = {k}""")
    con.execute("CREATE TEMP TABLE fugong_new_first AS SELECT enterprise_id, min(first) AS first FROM fugong_first GROUP BY ALL")
    (count,) = con.execute("SELECT count(*) FROM fugong_new_first").fetchone()
    return count


def _shape_statement(con, settings, *, key: dict, period: Window, flags) -> tuple[str, dict] | None:
    """The plan's compiled load-shape statement and its types, attached as ``fugong_plan`` on ``con``;
    None when the plan is not the one ``key`` names (it was compiled with the default flag rules)."""
    import duckdb

    from fugong.index.params import FlagParams
    from fugong.index.store import sql_literal

    if flags != FlagParams():
        return None
    try:
        con.execute(f"ATTACH {sql_literal(str(plan_path(settings)))} AS fugong_plan (READ_ONLY)")
        saved_key, saved_period, statements = con.execute("SELECT key, period, statements FROM fugong_plan.plan").fetchone()
    except (duckdb.Error, TypeError):
        return None
    plan = json.loads(statements)
    wanted = {name: value for name, value in key.items() if name not in ("period", "flags")}
    if json.loads(saved_key) != wanted or saved_period != str(period) or "shapes" not in plan:
        return None
    return plan["shapes"], plan["shape_types"]
