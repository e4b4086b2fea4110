"""Command-centre dashboard: the overview and the index explorer, as plain data.

Keyword-only functions taking ``settings`` and a ``fugong.access.Principal``, returning dicts and
lists that the web layer renders as HTML, JSON, CSV or XLSX (the same call for every format)::

    overview(settings=, principal=, date=None) -> {"as_of", "scope", "headline", "previous",
        "change", "counties", "cities", "industries", "worst", "best", "freshness", "warnings"}
    series(settings=, principal=, keys=["county:330110", "section:C"]) -> {"series": [...], "marks"}
    drill(settings=, principal=, code=None, date=None) -> {"level", "parent", "rows"} | enterprises
    county_enterprises(settings=, principal=, county=, date=) -> {"county", "rows"}

Data come from the index engine's stored results (``fugong.index.service.read_results``: one
Parquet file per level and date). A result row (percentages 0-100)::

    {"date": "2020-02-20", "level": "county", "code": "330110", "name": "余杭区",
     "enterprises": 3712, "reporting": 3650, "resumed": 2190, "baseline_kwh": 1.2e6,
     "resumed_kwh": 5.1e5, "total_kwh": 5.4e5, "resumed_share": 60.0, "energy_ratio": 42.5,
     "index": 51.25, "band": "恢复 recovering"}

N = resumed_share, E = energy_ratio, R = index (DESIGN.md §2: always publish N, E and the counts and
denominators with R: resumed / reporting and resumed_kwh / baseline_kwh; "enterprises" is the
number of eligible enterprises, "reporting" those of them with a reading that day).

The access rule: an aggregate row is shown only when the whole group lies inside the principal's
region prefix (a province row needs a prefix of at most the province's two digits, a city row its
four). ``Principal.can_see_region`` alone would let a prefix "330" see the province total
"330000", which contains cities 3310 and 3311. Industry, category and size results are computed
province-wide by the engine, so they are shown only to principals who may see every province in
the results. Enterprises (names, kWh) are shown only to the roles in ``ENTERPRISE_ROLES``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from fugong.access import AccessDenied, OutOfScope, Principal
from fugong.config import TIMEZONE

# Who may open the dashboard at all; enterprise users, gate staff and the public may not.
DASHBOARD_ROLES = frozenset({"province_admin", "officer", "department", "grid_analyst", "system"})
# Who may see the enterprises of a county (grid analysts see meter aggregates only).
ENTERPRISE_ROLES = frozenset({"province_admin", "officer", "system"})

REGION_LEVELS = ("province", "city", "county")
GROUP_LEVELS = ("section", "category", "size")  # province-wide breakdowns of the engine
LEVELS = REGION_LEVELS + GROUP_LEVELS
CHILD_LEVEL = {None: "province", "province": "city", "city": "county", "county": "enterprise"}
# Digits of a region code that identify the group at each level (GB/T 2260: 33 / 3301 / 330110).
SIGNIFICANT_DIGITS = {"province": 2, "city": 4, "county": 6}

# Worst/best lists ignore counties where fewer enterprises report than this (noise, not signal).
MIN_REPORTING_FOR_RANKING = 5
RANKED = 5
# Warn when the newest meter day is more than this many days before the as-of date.
STALE_METER_DAYS = 1
STALE_GRADING_DAYS = 3

# Marks on the time-series charts. Spring Festival 2020 (春节) was 2020-01-25; the State Council
# extended the holiday to 2020-02-02 (国办发明电〔2020〕1号) and Zhejiang kept enterprises closed
# until 2020-02-09 (浙江省 2020-01-28 通知). The baseline window is read from the results' params.
SPRING_FESTIVAL = dt.date(2020, 1, 25)
HOLIDAY = (dt.date(2020, 1, 24), dt.date(2020, 2, 9))

NUMBER_COLUMNS = ("enterprises", "reporting", "resumed", "baseline_kwh", "resumed_kwh", "total_kwh",
                  "resumed_share", "energy_ratio", "index")


class NotFound(LookupError):
    """No such region/group, or nothing computed for it; the web layer answers 404."""


# --- access -------------------------------------------------------------------------------------


def require_dashboard(principal: Principal) -> None:
    if principal.role not in DASHBOARD_ROLES:
        raise AccessDenied(f"{principal.actor} may not open the dashboard")


def covers(principal: Principal, level: str, code: str) -> bool:
    """Does the group lie entirely inside the principal's region prefix?"""
    if level in REGION_LEVELS:
        return str(code)[: SIGNIFICANT_DIGITS[level]].startswith(principal.region_prefix)
    return False  # section/category/size: decided by sees_whole_results


def sees_whole_results(principal: Principal, provinces: list[dict]) -> bool:
    """True when the principal may see every province of the results (so province-wide breakdowns too)."""
    return principal.region_prefix == "" or (
        bool(provinces) and all(covers(principal, "province", row["code"]) for row in provinces)
    )


def scope_level(principal: Principal) -> str:
    prefix = principal.region_prefix
    if len(prefix) <= 2:
        return "province"
    if len(prefix) <= 4:
        return "city"
    return "county"


# --- stored results -----------------------------------------------------------------------------


def as_of_date(settings) -> dt.date:
    """The dashboard's 'today': FUGONG_AS_OF, else today in Asia/Shanghai."""
    return settings.as_of or dt.datetime.now(ZoneInfo(TIMEZONE)).date()


def _results_root(settings) -> Path:
    from fugong.index.service import results_dir

    return results_dir(settings)


def _folder(settings, level: str) -> Path:
    return _results_root(settings) / f"level={'industry' if level == 'section' else level}"


@lru_cache(maxsize=256)
def _read_file(path: str, mtime_ns: int) -> tuple[dict, ...]:
    """Rows of one result file; cached until the file changes (the engine replaces files atomically)."""
    import pyarrow.parquet as pq

    rows = pq.read_table(path).to_pylist()
    return tuple(_clean(row) for row in rows)


def _clean(row: dict) -> dict:
    out = dict(row)
    if isinstance(out.get("date"), (dt.date, dt.datetime)):
        out["date"] = out["date"].isoformat()[:10]
    if out.get("level") == "industry":
        out["level"] = "section"
    for key in ("resumed_share", "energy_ratio", "index"):
        if out.get(key) is not None and out[key] != out[key]:  # NaN → null
            out[key] = None
    return out


def level_rows(settings, level: str, date: dt.date | None = None) -> list[dict]:
    """All stored rows of a level (one date, or every date in date order). Unfiltered: callers filter."""
    folder = _folder(settings, level)
    if date is not None:
        files = [folder / f"date={date.isoformat()}" / "part-0.parquet"]
    else:
        files = sorted(folder.glob("date=*/part-0.parquet"))
    rows: list[dict] = []
    for path in files:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            continue
        rows.extend(_read_file(str(path), stat.st_mtime_ns))
    return rows


def result_dates(settings) -> list[dt.date]:
    """Dates with province results; the folder listing is kept until the folder changes (its mtime)."""
    folder = _folder(settings, "province")
    try:
        modified = os.stat(folder).st_mtime_ns
    except FileNotFoundError:
        return []
    return list(_dates_in(str(folder), modified))


@lru_cache(maxsize=16)
def _dates_in(folder: str, modified: int) -> tuple[dt.date, ...]:
    return tuple(sorted(dt.date.fromisoformat(p.name.removeprefix("date="))
                        for p in Path(folder).glob("date=*") if p.is_dir()))


def index_params(settings) -> dict:
    """The parameters the results were computed with (written by the engine), or {}."""
    path = _results_root(settings) / "params.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def _visible(principal: Principal, level: str, rows: list[dict]) -> list[dict]:
    return [row for row in rows if covers(principal, level, row["code"])]


# --- freshness ----------------------------------------------------------------------------------


def _last_meter_date(settings) -> dt.date | None:
    """Newest reading date in the meter store, from Parquet column statistics (no data scan)."""
    import pyarrow.parquet as pq

    try:
        from fugong.index import store
    except ImportError:
        return None
    try:
        files = store.daily_files(settings)
    except Exception:  # noqa: BLE001 - a store being written; freshness is best effort
        return None
    newest = None
    months = sorted({f.parent.name for f in files})
    for path in files:
        if months and path.parent.name != months[-1]:
            continue
        meta = pq.ParquetFile(path).metadata
        col = meta.schema.names.index("date") if "date" in meta.schema.names else None
        if col is None:
            continue
        for group in range(meta.num_row_groups):
            stats = meta.row_group(group).column(col).statistics
            if stats is not None and stats.has_min_max:
                value = stats.max
                value = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
                newest = value if newest is None or value > newest else newest
    return newest


def _last_grading(settings) -> dt.date | None:
    """Newest publication date of the active risk rule set (FUGONG_RISK_RULES), or None."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from fugong.risk.services import last_publication_date
    from fugong.store.db import session_scope, shared_engine

    try:
        with session_scope(shared_engine(settings.resolved_database_url)) as session:
            return last_publication_date(session, rule_set=settings.risk_rules)
    except (OperationalError, ProgrammingError):  # a data directory whose database was never migrated
        return None


def freshness(*, settings, date: dt.date) -> dict:
    """Newest meter day, newest index day, newest grading, and warnings (codes, translated by the page)."""
    dates = result_dates(settings)
    meters = _last_meter_date(settings)
    grading = _last_grading(settings)
    warnings = []
    if not dates:
        warnings.append({"code": "no_index"})
    elif date not in dates:
        warnings.append({"code": "index_missing_day", "last": max(dates).isoformat()})
    if meters is None:
        warnings.append({"code": "no_meters"})
    elif (date - meters).days > STALE_METER_DAYS:
        warnings.append({"code": "meters_stale", "last": meters.isoformat(), "days": (date - meters).days})
    if grading is None:
        warnings.append({"code": "no_grading"})
    elif (date - grading).days > STALE_GRADING_DAYS:
        warnings.append({"code": "grading_stale", "last": grading.isoformat(), "days": (date - grading).days})
    return {
        "last_meter_date": meters.isoformat() if meters else None,
        "last_index_date": max(dates).isoformat() if dates else None,
        "last_grading_date": grading.isoformat() if grading else None,
        "warnings": warnings,
    }


def overview_version(settings, date: dt.date) -> tuple:
    """A cheap fingerprint of everything ``overview(date=date)`` reads; it changes when any input does.

    ((stamp of each level's result file for the day and the day before, params.json, the province
    folder (the list of result dates), the meter store's manifest), newest grading date). About 15
    ``stat`` calls and one small query, so a web cache can key on it per request.
    """
    from fugong.index import store
    from fugong.store.files import file_stamp

    root = str(_results_root(settings))  # once: building it costs more than all the stat calls
    days = (date.isoformat(), (date - dt.timedelta(days=1)).isoformat())
    paths = [os.path.join(root, f"level={'industry' if level == 'section' else level}", f"date={day}", "part-0.parquet")
             for level in REGION_LEVELS + GROUP_LEVELS for day in days]
    paths += [os.path.join(root, "params.json"), os.path.join(root, "level=province"),
              store.manifest_path(settings)]
    return tuple(file_stamp(path) for path in paths), _last_grading(settings)


# --- overview -----------------------------------------------------------------------------------


def _delta(now: dict | None, before: dict | None) -> dict | None:
    if not now or not before:
        return None
    out = {}
    for key in ("index", "resumed_share", "energy_ratio", "resumed", "reporting"):
        a, b = now.get(key), before.get(key)
        out[key] = None if a is None or b is None else round(a - b, 4)
    return out


def _by_index(rows: list[dict], reverse: bool) -> list[dict]:
    ranked = [r for r in rows if r.get("index") is not None and r["reporting"] >= MIN_REPORTING_FOR_RANKING]
    return sorted(ranked, key=lambda r: (r["index"], r["code"]), reverse=reverse)


def _headline(principal: Principal, settings, date: dt.date) -> dict | None:
    """The one row that is the principal's whole scope: its province, city or county."""
    level = scope_level(principal)
    rows = _visible(principal, level, level_rows(settings, level, date))
    if level != "county" and principal.region_prefix:
        # A prefix of the exact group's significant digits ("3301") names one group.
        rows = [r for r in rows if r["code"][: SIGNIFICANT_DIGITS[level]] == principal.region_prefix] or rows
    return rows[0] if len(rows) == 1 else None


def overview(*, settings, principal: Principal, date: dt.date | None = None) -> dict:
    """Everything the overview page shows, for the principal's scope and the as-of day."""
    require_dashboard(principal)
    date = date or as_of_date(settings)
    previous = date - dt.timedelta(days=1)
    headline = _headline(principal, settings, date)
    before = _headline(principal, settings, previous)
    counties = _visible(principal, "county", level_rows(settings, "county", date))
    cities = _visible(principal, "city", level_rows(settings, "city", date))
    provinces = level_rows(settings, "province", date)
    whole = sees_whole_results(principal, provinces)
    industries = level_rows(settings, "section", date) if whole else None
    categories = level_rows(settings, "category", date) if whole else None
    sizes = level_rows(settings, "size", date) if whole else None
    counties.sort(key=lambda r: (-(r["index"] if r["index"] is not None else -1), r["code"]))
    worst = _by_index(counties, reverse=False)[:RANKED]
    best = _by_index(counties, reverse=True)[:RANKED]
    return {
        "as_of": date.isoformat(),
        "previous_date": previous.isoformat(),
        "scope": {"region_prefix": principal.region_prefix, "level": scope_level(principal)},
        "headline": headline,
        "previous": before,
        "change": _delta(headline, before),
        "counties": counties,
        "cities": cities if len(cities) > 1 else [],
        "industries": industries,
        "categories": categories,
        "sizes": sizes,
        "breakdowns_note": None if whole else "province_wide_only",
        "worst": worst,
        "best": best,
        "params": index_params(settings),
        "freshness": freshness(settings=settings, date=date),
    }


# --- explorer: series and drill-down ------------------------------------------------------------


def parse_key(key: str) -> tuple[str, str]:
    """'county:330110' → ('county', '330110'); the level must be one of LEVELS."""
    level, _, code = str(key).partition(":")
    level = "section" if level == "industry" else level
    if level not in LEVELS or not code or len(code) > 12 or not code.replace("_", "").isalnum():
        raise ValueError(f"{key!r} is not LEVEL:CODE with LEVEL one of {', '.join(LEVELS)}")
    return level, code


def _require_group(principal: Principal, settings, level: str, code: str) -> None:
    """AccessDenied unless the principal may see the group (province-wide groups need the whole results)."""
    if level in REGION_LEVELS:
        if not covers(principal, level, code):
            raise OutOfScope(f"{principal.actor} may not see {level} {code}")
        return
    dates = result_dates(settings)
    provinces = level_rows(settings, "province", dates[-1]) if dates else []
    if not sees_whole_results(principal, provinces):
        raise OutOfScope(f"{principal.actor} may not see province-wide breakdowns")


def marks(settings) -> dict:
    """Periods to mark on a time-series chart: the baseline window and the Spring Festival holiday."""
    params = index_params(settings)
    baseline = str(params.get("baseline") or "2019-10-01:2019-12-31").split(":")
    return {
        "baseline": {"start": baseline[0], "end": baseline[-1]},
        "holiday": {"start": HOLIDAY[0].isoformat(), "end": HOLIDAY[1].isoformat()},
        "spring_festival": SPRING_FESTIVAL.isoformat(),
    }


def series(*, settings, principal: Principal, keys: list[str]) -> dict:
    """Daily N, E, R and counts for each requested group ('county:330110', 'section:C', 'size:L')."""
    require_dashboard(principal)
    out = []
    for key in keys:
        level, code = parse_key(key)
        _require_group(principal, settings, level, code)
        rows = [r for r in level_rows(settings, level) if r["code"] == code]
        if not rows:
            raise NotFound(f"no index results for {level} {code}")
        out.append({"key": f"{level}:{code}", "level": level, "code": code, "name": rows[0]["name"], "rows": rows})
    return {"series": out, "marks": marks(settings)}


def default_key(principal: Principal, settings) -> str | None:
    """The series shown when none is asked for: the principal's whole scope."""
    date = max(result_dates(settings), default=None)
    if date is None:
        return None
    row = _headline(principal, settings, date)
    if row is None:
        level = scope_level(principal)
        rows = _visible(principal, "county" if level == "county" else level, level_rows(settings, level, date))
        row = rows[0] if rows else None
    return f"{row['level']}:{row['code']}" if row else None


def drill(*, settings, principal: Principal, code: str | None = None, date: dt.date | None = None) -> dict:
    """The children of a region on a day: province → its cities → their counties.

    ``code=None``: the top of the principal's scope (the provinces, or the cities/counties it may see).
    A county's children are its enterprises (see ``county_enterprises``).
    """
    require_dashboard(principal)
    date = date or as_of_date(settings)
    if code is None:
        level = scope_level(principal)
        rows = _visible(principal, level, level_rows(settings, level, date))
        return {"date": date.isoformat(), "level": level, "parent": None, "rows": rows, "breadcrumb": []}
    level = region_level(code)
    if not covers(principal, level, code):
        raise OutOfScope(f"{principal.actor} may not see {code}")
    parent_rows = [r for r in level_rows(settings, level, date) if r["code"] == code]
    if not parent_rows:
        raise NotFound(f"no index results for {code} on {date}")
    child = CHILD_LEVEL[level]
    if child == "enterprise":
        raise NotFound("a county's children are enterprises: use county_enterprises")
    digits = SIGNIFICANT_DIGITS[level]
    rows = [r for r in level_rows(settings, child, date) if r["code"][:digits] == code[:digits]]
    rows = _visible(principal, child, rows)
    return {"date": date.isoformat(), "level": child, "parent": parent_rows[0], "rows": rows,
            "breadcrumb": breadcrumb(principal, settings, code, date)}


def region_level(code: str) -> str:
    code = str(code)
    if len(code) != 6 or not code.isdigit():
        raise NotFound(f"{code!r} is not a six-digit region code")
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "county"


def breadcrumb(principal: Principal, settings, code: str, date: dt.date) -> list[dict]:
    """Visible ancestors of a region, top first: [{'level','code','name'}]."""
    from fugong.index.attributes import region_name, region_rollup

    chain = region_rollup(code)
    out = []
    for level in REGION_LEVELS:
        ancestor = chain.get(level)
        if ancestor and covers(principal, level, ancestor):
            out.append({"level": level, "code": ancestor, "name": region_name(ancestor)})
    return out


# --- county enterprise list and enterprise page (from stored per-enterprise results) -------------

# Sort keys of the county enterprise list → SQL over the stored results (nulls last either way).
ENTERPRISE_SORTS = {"enterprise_id": "e.enterprise_id", "name": "e.name", "kwh": "d.kwh", "ratio": "d.ratio",
                    "baseline": "e.baseline", "first_resumption": "e.first_resumption", "cohort": "e.cohort"}
ENTERPRISE_FLAGS = ("idle_suspect", "never_stopped", "flat_profile", "night_jump", "near_threshold", "not_reporting")
COHORTS = ("resumed", "not-resumed", "never-stopped", "ineligible")
PAGE_SIZES = (10, 25, 50, 100, 200)
# Why a plant is an idle-machine suspect: the load-shape flags (fugong.index.cohorts, docs/index.md).
IDLE_REASONS = ("flat_profile", "night_jump", "near_threshold")


def _require_enterprises(principal: Principal, county: str) -> None:
    require_dashboard(principal)
    if principal.role not in ENTERPRISE_ROLES:
        raise AccessDenied(f"{principal.actor} sees aggregates only")
    if region_level(county) != "county" or not covers(principal, "county", county):
        raise OutOfScope(f"{principal.actor} may not see {county}")


@lru_cache(maxsize=8)
def _parquet(path: str, mtime_ns: int):
    """A stored result file as a pyarrow table, kept until the file changes (replaced atomically)."""
    import pyarrow.parquet as pq

    return pq.read_table(path)


def _stored(path: Path):
    try:
        return _parquet(str(path), os.stat(path).st_mtime_ns)
    except FileNotFoundError:
        return None


@lru_cache(maxsize=4)
def _results_with_changes(base: str, changes: str, base_mtime_ns: int, changes_mtime_ns: int | None):
    """The per-enterprise results with the changes of runs for new days applied, kept until either
    file changes (each is replaced atomically)."""
    from fugong.index.oneday import read_enterprise_results_at

    return read_enterprise_results_at(Path(base), Path(changes))


def _enterprise_results(settings):
    from fugong.index.oneday import results_files

    base, changes = results_files(settings)
    try:
        stamp = os.stat(base).st_mtime_ns
    except FileNotFoundError:
        raise NotFound("no per-enterprise results: run `fugong index run` first") from None
    try:
        changed = os.stat(changes).st_mtime_ns
    except FileNotFoundError:
        changed = None
    table = _results_with_changes(str(base), str(changes), stamp, changed)
    if table is None:
        raise NotFound("no per-enterprise results: run `fugong index run` first")
    return table


def _enterprise_day(settings, date: dt.date):
    from fugong.index.service import enterprise_days_dir

    return _stored(enterprise_days_dir(settings) / f"date={date.isoformat()}" / "part-0.parquet")


def _list_query(*, cohort, flag, section, size, q) -> tuple[str, list]:
    """WHERE clause (after the county) and parameters of the list's filters."""
    where, args = [], []
    if cohort:
        if cohort not in COHORTS:
            raise ValueError(f"cohort {cohort[:40]!r}: accepted values are {', '.join(COHORTS)}")
        where.append("e.cohort = ?"), args.append(cohort)
    if flag:
        if flag not in ENTERPRISE_FLAGS:
            raise ValueError(f"flag {flag[:40]!r}: accepted values are {', '.join(ENTERPRISE_FLAGS)}")
        where.append("d.enterprise_id IS NULL" if flag == "not_reporting" else f"COALESCE(e.{flag}, false)")
    if section:
        where.append("e.section = ?"), args.append(section[:4])
    if size:
        where.append("e.size_class = ?"), args.append(size[:20])
    if q:
        where.append("(strpos(e.name, ?) > 0 OR strpos(upper(e.uscc), upper(?)) > 0 OR strpos(e.enterprise_id, ?) > 0)")
        args += [q[:60]] * 3
    return "".join(f" AND {w}" for w in where), args


def _list_sql(columns: str, *, flags: bool) -> str:
    shape = ("e.idle_suspect, e.flat_profile, e.night_jump, e.near_threshold" if flags
             else "NULL::BOOLEAN AS idle_suspect, NULL::BOOLEAN AS flat_profile, NULL::BOOLEAN AS night_jump, "
                  "NULL::BOOLEAN AS near_threshold")
    return f"""SELECT {columns} FROM (SELECT enterprise_id, county, name, uscc, industry_code, section, size_class, baseline,
                      eligible, first_resumption, cohort, never_stopped, {shape} FROM ents e WHERE county = ?) e
               LEFT JOIN day d USING (enterprise_id) WHERE true"""


LIST_COLUMNS = ("e.enterprise_id, e.name, e.uscc, e.industry_code, e.section, e.size_class, e.baseline AS baseline_kwh, "
                "e.cohort, e.first_resumption, e.never_stopped, e.idle_suspect, e.flat_profile, e.night_jump, "
                "e.near_threshold, d.kwh, d.threshold AS threshold_kwh, d.ratio, d.resumed")


def _county_connection(settings, date: dt.date):
    """A DuckDB connection with the stored per-enterprise results (``ents``) and the day's facts (``day``)."""
    import duckdb
    import pyarrow as pa

    from fugong.index.service import ENTERPRISE_DAY_COLUMNS

    ents = _enterprise_results(settings)
    for column in ("name", "uscc", "industry_code"):
        if column not in ents.column_names:
            ents = ents.append_column(column, pa.nulls(len(ents), pa.string()))
    day = _enterprise_day(settings, date)
    if day is None:
        day = pa.table({c: pa.array([], pa.string()) for c in ENTERPRISE_DAY_COLUMNS}).cast(pa.schema(
            [(c, pa.string() if c in ("enterprise_id", "county") else pa.date32() if c == "date" else
              pa.int64() if c == "resumed" else pa.float64()) for c in ENTERPRISE_DAY_COLUMNS]))
    con = duckdb.connect()
    con.register("ents", ents)
    con.register("day", day)
    return con, "idle_suspect" in ents.column_names


def _row(record: dict) -> dict:
    out = dict(record)
    for key in ("first_resumption",):
        if isinstance(out.get(key), dt.date):
            out[key] = out[key].isoformat()
    out["resumed"] = None if out.get("resumed") is None else bool(out["resumed"])
    out["ratio"] = None if out.get("ratio") is None else 100.0 * out["ratio"]
    out["idle_reasons"] = [r for r in IDLE_REASONS if out.get(r)] if out.get("idle_suspect") else []
    return out


def county_enterprises(*, settings, principal: Principal, county: str, date: dt.date | None = None, page: int = 1,
                       per_page: int = 50, sort: str = "ratio", order: str = "asc", cohort: str | None = None,
                       flag: str | None = None, section: str | None = None, size: str | None = None,
                       q: str | None = None) -> dict:
    """One page of a county's enterprises on a day, from the stored results of `fugong index run`
    (never recomputed here): the day's kWh, threshold, share of baseline and resumed mark are exactly
    the facts the county totals count.

    Row: {"enterprise_id", "name", "uscc", "industry_code", "section", "size_class", "baseline_kwh",
    "kwh", "threshold_kwh", "ratio" (% of baseline), "resumed": True | False | None (no reading),
    "cohort", "first_resumption", "never_stopped", "idle_suspect", "idle_reasons": [flags]}.
    Filters: cohort, flag (idle_suspect | never_stopped | flat_profile | night_jump | near_threshold |
    not_reporting), section (GB/T 4754), size, q (name, USCC or id contains). No personal data.
    """
    _require_enterprises(principal, county)
    date = date or as_of_date(settings)
    if sort not in ENTERPRISE_SORTS or order not in ("asc", "desc"):
        raise ValueError(f"sort {sort[:30]!r} {order[:5]!r}: accepted sorts are {', '.join(ENTERPRISE_SORTS)}, order asc|desc")
    per_page = per_page if per_page in PAGE_SIZES else 50
    where, args = _list_query(cohort=cohort, flag=flag, section=section, size=size, q=q)
    con, flags = _county_connection(settings, date)
    try:
        base = _list_sql("{columns}", flags=flags) + where
        total = con.execute(base.format(columns="count(*)"), [county, *args]).fetchone()[0]
        pages = max(1, -(-total // per_page))
        page = min(max(1, int(page)), pages)
        ordering = f"{ENTERPRISE_SORTS[sort]} {order.upper()} NULLS LAST, e.enterprise_id"
        cursor = con.execute(base.format(columns=LIST_COLUMNS) + f" ORDER BY {ordering} LIMIT {per_page} OFFSET {(page - 1) * per_page}",
                             [county, *args])
        names = [d[0] for d in cursor.description]
        rows = [_row(dict(zip(names, values))) for values in cursor.fetchall()]
        counts = dict(con.execute(_list_sql("e.cohort, count(*)", flags=flags) + " GROUP BY ALL", [county]).fetchall())
        flag_counts = con.execute(_list_sql(
            "count(*) FILTER (WHERE e.idle_suspect), count(*) FILTER (WHERE e.never_stopped), "
            "count(*) FILTER (WHERE d.enterprise_id IS NULL), count(*) FILTER (WHERE d.resumed = 1), count(d.enterprise_id)",
            flags=flags), [county]).fetchone()
    finally:
        con.close()
    return {"date": date.isoformat(), "county": county, "rows": rows, "total": total, "page": page, "pages": pages,
            "per_page": per_page, "sort": sort, "order": order,
            "filters": {"cohort": cohort, "flag": flag, "section": section, "size": size, "q": q},
            "cohorts": {c: counts.get(c, 0) for c in COHORTS},
            "flags": {"idle_suspect": flag_counts[0], "never_stopped": flag_counts[1], "not_reporting": flag_counts[2]},
            "resumed": flag_counts[3], "reporting": flag_counts[4],
            "breadcrumb": breadcrumb(principal, settings, county, date),
            "theta": index_params(settings).get("theta", 0.3)}


def county_enterprise_rows(*, settings, principal: Principal, county: str, date: dt.date | None = None, sort: str = "ratio",
                           order: str = "asc", cohort=None, flag=None, section=None, size=None, q=None, batch: int = 5000):
    """Every row of the filtered list (all pages), in batches: what the exports stream."""
    _require_enterprises(principal, county)
    date = date or as_of_date(settings)
    if sort not in ENTERPRISE_SORTS or order not in ("asc", "desc"):
        raise ValueError(f"sort {sort[:30]!r}: accepted sorts are {', '.join(ENTERPRISE_SORTS)}")
    where, args = _list_query(cohort=cohort, flag=flag, section=section, size=size, q=q)
    con, flags = _county_connection(settings, date)

    def rows():
        try:
            cursor = con.execute(_list_sql(LIST_COLUMNS, flags=flags) + where
                                 + f" ORDER BY {ENTERPRISE_SORTS[sort]} {order.upper()} NULLS LAST, e.enterprise_id", [county, *args])
            names = [d[0] for d in cursor.description]
            while chunk := cursor.fetchmany(batch):
                yield [_row(dict(zip(names, values))) for values in chunk]
        finally:
            con.close()

    return rows()


def enterprise_detail(*, settings, principal: Principal, enterprise_id: str) -> dict:
    """One enterprise: its attributes, cohort and flags (with reasons), and every stored day of the
    period — kWh against its baseline and threshold — and its daily load shape where interval data
    exist. Refused unless the principal may see the enterprise's county."""
    import pyarrow.compute as pc

    from fugong.index import store
    from fugong.index.service import enterprise_days_dir

    require_dashboard(principal)
    if principal.role not in ENTERPRISE_ROLES:
        raise AccessDenied(f"{principal.actor} sees aggregates only")
    ents = _enterprise_results(settings)
    found = ents.filter(pc.equal(ents["enterprise_id"], str(enterprise_id)[:64])).to_pylist()
    if not found:
        raise NotFound(f"no enterprise {str(enterprise_id)[:64]!r} in the results")
    ent = found[0]
    county = ent.get("county") or ""
    if not county or not covers(principal, "county", county):
        raise OutOfScope(f"{principal.actor} may not see {enterprise_id}")
    import duckdb

    from fugong.index.store import sql_literal

    days = []
    folder = enterprise_days_dir(settings)
    if any(folder.glob("date=*/part-0.parquet")):
        con = duckdb.connect()
        days = con.execute(f"""SELECT strftime(date, '%Y-%m-%d') AS date, kwh, baseline, threshold, resumed, ratio
                               FROM read_parquet({sql_literal(str(folder / 'date=*' / 'part-0.parquet'))}, hive_partitioning = false)
                               WHERE county = ? AND enterprise_id = ? ORDER BY date""", [county, ent["enterprise_id"]]).fetchall()
        days = [{"date": d, "kwh": k, "baseline_kwh": b, "threshold_kwh": t, "resumed": bool(r), "ratio": 100.0 * x}
                for d, k, b, t, r, x in days]
        con.close()
    shape = None
    with store.reading(settings) as snap:
        files = snap.files("interval_days")
        if files:
            con = duckdb.connect()
            listing = ", ".join(sql_literal(str(f)) for f in files)
            shape = [dict(zip(("date", "kwh", "peak", "night_day_ratio", "flatness", "completeness"), row)) for row in con.execute(
                f"""SELECT strftime(date, '%Y-%m-%d'), kwh, peak, night_day_ratio, flatness, completeness
                    FROM read_parquet([{listing}]) WHERE enterprise_id = ? ORDER BY date""", [ent["enterprise_id"]]).fetchall()] or None
            con.close()
    info = _row({**ent, "resumed": None, "ratio": None})
    info["baseline_kwh"] = ent.get("baseline")
    info.pop("ratio", None), info.pop("resumed", None)
    return {"enterprise": info, "days": days, "shape": shape, "marks": marks(settings),
            "params": index_params(settings), "breadcrumb": breadcrumb(principal, settings, county, as_of_date(settings))}


def series_choices(*, settings, principal: Principal) -> dict:
    """What the explorer's series picker offers this principal: the region tree (province → cities →
    counties) inside its scope, and the industry sections, categories and sizes when it may see the
    province-wide breakdowns. From the newest result day; codes only (the page names them).

        {"regions": [{"key": "province:330000", "code": "330000", "level": "province", "name": "浙江省",
                      "children": [{"key": "city:330100", ..., "children": [{"key": "county:330102", ...}]}]}],
         "section": [{"key": "section:C", "code": "C", "name": "制造业"}], "category": [...], "size": [...]}
    """
    require_dashboard(principal)
    dates = result_dates(settings)
    out: dict = {"regions": [], "section": [], "category": [], "size": []}
    if not dates:
        return out
    day = dates[-1]

    def entry(row: dict) -> dict:
        return {"key": f"{row['level']}:{row['code']}", "code": row["code"], "level": row["level"],
                "name": row.get("name") or "", "children": []}

    provinces = level_rows(settings, "province", day)
    cities = _visible(principal, "city", level_rows(settings, "city", day))
    counties = _visible(principal, "county", level_rows(settings, "county", day))
    by_city: dict[str, dict] = {}
    for row in sorted(cities, key=lambda r: r["code"]):
        by_city[row["code"][:4]] = entry(row)
    loose = []
    for row in sorted(counties, key=lambda r: r["code"]):
        parent = by_city.get(row["code"][:4])
        (parent["children"] if parent else loose).append(entry(row))
    top = list(by_city.values()) + loose
    visible_provinces = [entry(r) for r in sorted(provinces, key=lambda r: r["code"]) if covers(principal, "province", r["code"])]
    if visible_provinces:
        for province in visible_provinces:
            province["children"] = [c for c in top if c["code"][:2] == province["code"][:2]]
        out["regions"] = visible_provinces
    else:
        out["regions"] = top
    if sees_whole_results(principal, provinces):
        for level in GROUP_LEVELS:
            out[level] = [entry(r) for r in sorted(level_rows(settings, level, day), key=lambda r: r["code"])]
    return out
