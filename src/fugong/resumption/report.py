"""The daily report up the hierarchy: per county, city and province, as of the end of a day.

Columns (all counts; shares are derived by whoever reads them)::

    date, level, code, name, enterprises, filed, approved, resumed_declared, resumed_metered,
    staff, staff_on_site, key_projects, key_projects_resumed

    enterprises        registry enterprises in the region
    filed              enterprises with a filing submitted by the end of the day
    approved           enterprises with a filing provisionally approved, approved or resumed at the end of the day
    resumed_declared   enterprises whose filing was declared resumed (state resumed at the end of the day)
    resumed_metered    registry enterprises whose meter's first resumption (index per-enterprise results,
                       ``first_resumption``) is on or before the day
    staff              roster employees not gone, at the end of the day; staff_on_site: those on site
    key_projects       key projects and construction sites listed by the day; key_projects_resumed: resumed

Counts per county come from grouped queries (the transitions as of the end of the day, the roster
events, the project events); cities and provinces are sums of their counties by GB/T 2260 prefix.
Frozen copies are kept by ``fugong.workflow.reports`` (kind ``resumption.daily``): the CLI and the
page read the latest frozen version of a day, or compute live figures for a day not frozen.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, OutOfScope, Principal
from fugong.config import TIMEZONE
from fugong.enterprises.models import Enterprise
from fugong.resumption.models import Filing
from fugong.workflow import reports
from fugong.workflow.models import TransitionRow
from fugong.workflow.transitions import latest_states

TZ = ZoneInfo(TIMEZONE)
KIND = "resumption.daily"
COLUMNS = ["date", "level", "code", "name", "enterprises", "filed", "approved", "resumed_declared", "resumed_metered",
           "staff", "staff_on_site", "key_projects", "key_projects_resumed"]
COUNTS = COLUMNS[4:]
LEVELS = ("province", "city", "county")
READERS = ("officer", "province_admin", "system", "grid_analyst", "department")


def end_of(day: dt.date) -> dt.datetime:
    """The last instant of a day in Asia/Shanghai, in UTC (transitions at or before it count)."""
    return (dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=TZ) - dt.timedelta(microseconds=1)).astimezone(dt.timezone.utc)


def _metered_by_county(session: Session, *, day: dt.date, settings, region_prefix: str) -> dict[str, int]:
    """{county: registry enterprises whose meter resumed by ``day``} from the per-enterprise results."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from fugong.index.oneday import read_enterprise_results

    table = read_enterprise_results(settings, columns=["enterprise_id", "first_resumption"])
    if table is None:
        return {}
    table = table.filter(pc.less_equal(table["first_resumption"], pa.scalar(day, pa.date32())))
    ids = table["enterprise_id"].cast(pa.string())
    counts: dict[str, int] = defaultdict(int)
    resumed = set(ids.to_pylist())
    if not resumed:
        return {}
    query = select(Enterprise.enterprise_id, Enterprise.region_code).where(Enterprise.region_code.startswith(region_prefix))
    for enterprise_id, code in session.execute(query):
        if enterprise_id in resumed:
            counts[code] += 1
    return dict(counts)


def county_counts(session: Session, *, day: dt.date, settings, region_prefix: str = "") -> dict[str, dict[str, int]]:
    """{county code: {column: count}} for every county with anything to count."""
    from fugong.enterprises.projects import project_counts_as_of
    from fugong.resumption.filings import APPROVED_STATES
    from fugong.resumption.roster import staff_counts_by_county

    until = end_of(day)
    rows: dict[str, dict[str, int]] = defaultdict(lambda: {c: 0 for c in COUNTS})
    for code, n in session.execute(select(Enterprise.region_code, func.count())
                                   .where(Enterprise.region_code.startswith(region_prefix))
                                   .group_by(Enterprise.region_code)):
        rows[code]["enterprises"] = int(n)
    # filed: a submit transition by the end of the day
    filed = (select(Filing.region_code, func.count(func.distinct(Filing.enterprise_id)))
             .join(TransitionRow, (TransitionRow.entity_id == Filing.id) & (TransitionRow.machine == "resumption-filing"))
             .where(TransitionRow.action == "submit", TransitionRow.at <= until, Filing.region_code.startswith(region_prefix))
             .group_by(Filing.region_code))
    for code, n in session.execute(filed):
        rows[code]["filed"] = int(n)
    latest = latest_states(session, machine="resumption-filing", until=until)
    states = (select(Filing.region_code, latest.c.state, func.count(func.distinct(Filing.enterprise_id)))
              .join(latest, latest.c.entity_id == Filing.id)
              .where(latest.c.state.in_(APPROVED_STATES), Filing.region_code.startswith(region_prefix))
              .group_by(Filing.region_code, latest.c.state))
    approved_pairs = (select(Filing.region_code, func.count(func.distinct(Filing.enterprise_id)))
                      .join(latest, latest.c.entity_id == Filing.id)
                      .where(latest.c.state.in_(APPROVED_STATES), Filing.region_code.startswith(region_prefix))
                      .group_by(Filing.region_code))
    for code, n in session.execute(approved_pairs):
        rows[code]["approved"] = int(n)
    for code, state, n in session.execute(states):
        if state == "resumed":
            rows[code]["resumed_declared"] = int(n)
    for code, n in _metered_by_county(session, day=day, settings=settings, region_prefix=region_prefix).items():
        rows[code]["resumed_metered"] = n
    for code, (staff, on_site) in staff_counts_by_county(session, day=day, region_prefix=region_prefix).items():
        rows[code]["staff"], rows[code]["staff_on_site"] = staff, on_site
    for code, (total, resumed) in project_counts_as_of(session, day=day, region_prefix=region_prefix).items():
        rows[code]["key_projects"], rows[code]["key_projects_resumed"] = total, resumed
    return dict(rows)


def _name(code: str) -> str:
    from fugong.reference import regions

    found = regions.find_in_any_vintage(code)
    return found.name if found else ""


def build_rows(counts: dict[str, dict[str, int]], *, day: dt.date) -> list[dict]:
    """Rows of every level: counties as counted, cities and provinces summed by code prefix."""
    from fugong.reference.regions import rollup

    sums: dict[tuple[str, str], dict[str, int]] = {}
    for county, values in counts.items():
        parents = rollup(county)
        for level in LEVELS:
            code = parents[level] if level != "county" else county
            if code is None:
                continue
            target = sums.setdefault((level, code), {c: 0 for c in COUNTS})
            for column in COUNTS:
                target[column] += values[column]
    out = []
    for (level, code), values in sorted(sums.items(), key=lambda item: (LEVELS.index(item[0][0]), item[0][1])):
        out.append({"date": day.isoformat(), "level": level, "code": code, "name": _name(code), **values})
    return out


def live_rows(session: Session, *, day: dt.date, settings, region_prefix: str = "") -> list[dict]:
    return build_rows(county_counts(session, day=day, settings=settings, region_prefix=region_prefix), day=day)


def freeze_day(session: Session, *, day: dt.date, settings, actor: str = "system:scheduler",
               reason: str | None = None) -> tuple[int, bool]:
    """Freeze the day's report for the whole territory; (version now current, whether it is new)."""
    rows = live_rows(session, day=day, settings=settings)
    report, created = reports.freeze(session, kind=KIND, day=day, columns=COLUMNS, rows=rows, actor=actor, reason=reason)
    return report.version, created


def report_for(session: Session, principal: Principal, *, day: dt.date, level: str = "county", settings=None,
               version: int | None = None, region_prefix: str = "") -> dict:
    """The report the principal may see: the latest frozen version of ``day`` (or ``version``), or live
    figures when the day is not frozen; rows of one level inside the principal's region.

    {"date", "level", "frozen": bool, "version", "frozen_at", "versions": [...], "columns", "rows"}
    """
    if principal.role not in READERS:
        raise AccessDenied(f"{principal.actor} may not read the daily report")
    if level not in LEVELS:
        raise ValueError(f"level {level!r}: accepted values are {', '.join(LEVELS)}")
    if region_prefix and not region_prefix.startswith(principal.region_prefix):
        raise OutOfScope(f"{principal.actor} may not read region {region_prefix}")
    prefix = region_prefix or principal.region_prefix
    frozen = reports.get(session, kind=KIND, day=day, version=version)
    if version is not None and frozen is None:
        raise LookupError(f"no version {version} of the report of {day.isoformat()}")
    if frozen is not None:
        rows = frozen.rows
    else:
        if settings is None:
            from fugong.config import get_settings

            settings = get_settings()
        rows = live_rows(session, day=day, settings=settings, region_prefix=prefix)
    # a city officer (3301) sees the city row 330100 and its counties, not the province row 330000
    visible = [r for r in rows if r["level"] == level and r["code"].startswith(prefix)]
    return {"date": day.isoformat(), "level": level, "region_prefix": prefix, "frozen": frozen is not None,
            "version": frozen.version if frozen else None,
            "frozen_at": reports._aware(frozen.frozen_at).isoformat() if frozen else None,
            "reason": frozen.reason if frozen else None,
            "versions": reports.versions(session, kind=KIND, day=day), "columns": COLUMNS, "rows": visible}
