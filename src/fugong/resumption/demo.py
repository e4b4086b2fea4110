"""The demo's resumption data, consistent with its meters (``fugong demo``, stage "resumption").

- the registry gets every scenario enterprise (bulk, from the meter store: ``run_registry_stage``);
- a firm of every county files through the real services: firms whose meter resumed by the demo
  day file two days before their first resumption, are decided the day before (approved, or rejected
  when the county's level that day does not allow them, or for a missing prevention plan) and declare
  resumption on the day the meter shows it; a few firms whose meter has NOT resumed declare work
  anyway (they appear on the declared-vs-metered list) or still wait in the queue;
- the three health-code demo firms file with rosters linked to their health-code people (colours,
  a safety manager; one firm's manager is quarantined, so its approval waits for re-assessment);
- a supply-chain bundle in Hangzhou (the first demo firm leading twelve suppliers of three districts),
  key projects per city, and the daily report frozen for the three days before the demo day.

Everything goes through the services (state machine, audit, outbox), so the pages show what an
officer would see. Run twice, it adds nothing (the stage stops when filings exist).
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from fugong.access import SYSTEM, Principal

PER_COUNTY = 1  # plus, in three counties of ten, one firm whose meter has not resumed
ROSTER_SHARE = 0.25  # share of filers that upload a small roster (staff counts in the report)
FROZEN_DAYS = 3  # the report is frozen for the last days before the demo day
DAY0 = dt.date(2020, 2, 10)


def _at(day: dt.date, hour: int) -> dt.datetime:
    from fugong.resumption.filings import TZ

    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def _meter_rows(settings) -> list[dict]:
    from fugong.index.oneday import read_enterprise_results

    table = read_enterprise_results(settings, columns=["enterprise_id", "county", "first_resumption", "cohort"])
    return [] if table is None else table.to_pylist()


def _firm(eid: str, region: str) -> Principal:
    return Principal(user_id=f"demo-{eid}", role="enterprise", region_prefix=region, enterprise_ids=frozenset({eid}))


def _file(session, eid: str, region: str, *, filed: dt.date, answers: dict) -> object:
    from fugong.resumption.filings import create_filing, submit_filing

    user = _firm(eid, region)
    filing = create_filing(session, user, enterprise_id=eid, planned_start=filed + dt.timedelta(days=2),
                           staff_planned=5, answers=answers, at=_at(filed, 9))
    return submit_filing(session, user, filing_id=filing.id, at=_at(filed, 9))


def _decide(session, filing, officer: Principal, day: dt.date, *, approve: bool, reason: str) -> bool:
    from fugong.resumption.filings import decide
    from fugong.workflow.machine import TransitionRefused

    if filing.state != "submitted":
        return filing.state in ("provisionally_approved", "approved")
    if approve:
        try:
            decide(session, officer, filing_id=filing.id, action="approve", reason=reason, at=_at(day, 16))
            return True
        except TransitionRefused as exc:  # the county's level that day does not allow the class
            decide(session, officer, filing_id=filing.id, action="reject", reason=f"{exc.zh} / {exc.en}", at=_at(day, 16))
            return False
    decide(session, officer, filing_id=filing.id, action="reject", reason=reason, at=_at(day, 16))
    return False


def _roster(session, eid: str, region: str, day: dt.date, rng: random.Random, n: int = 5) -> None:
    from fugong.resumption.roster import upsert_employee

    for i in range(n):
        upsert_employee(session, SYSTEM, enterprise_id=eid, effective_on=day, employee_no=f"{i + 1:03d}",
                        name=f"员工{i + 1}", post="安全主管" if i == 0 else "操作工",
                        certificate="safety_manager" if i == 0 else None,
                        status="on_site" if rng.random() < 0.85 else "not_returned",
                        origin_region=None if rng.random() < 0.8 else "341200", check_safety=False)


def _linked_roster(session, eid: str, day: dt.date, *, quarantine_manager: bool) -> int:
    """Employees for the health-code people of a demo firm (linked by the people's keyed ID hash)."""
    from fugong.healthcode.models import Person
    from fugong.resumption.models import Employee, EmployeeEvent

    people = list(session.scalars(select(Person).where(Person.enterprise_id == eid).order_by(Person.id)))
    manager = next((p for p in people if p.colour == "green"), None)
    now = dt.datetime.now(dt.timezone.utc)
    for n, person in enumerate(people, start=1):
        is_manager = person is manager
        status = "quarantined" if (person.colour == "red") or (is_manager and quarantine_manager) else "on_site"
        employee = Employee(enterprise_id=eid, employee_no=f"{n:04d}", name=person.name, id_hash=person.id_hash,
                            id_masked=person.id_masked, person_id=person.id, post="安全主管" if is_manager else "生产线",
                            safety_critical=is_manager, certificate="safety_manager" if is_manager else None,
                            status="on_site", status_since=day, updated_at=now)
        session.add(employee)
        session.flush()
        session.add(EmployeeEvent(employee_id=employee.id, enterprise_id=eid, status="on_site", effective_on=day,
                                  actor="system:demo", at=now))
        if status != "on_site":
            employee.status, employee.status_since = status, day + dt.timedelta(days=5)
            session.add(EmployeeEvent(employee_id=employee.id, enterprise_id=eid, status=status,
                                      effective_on=day + dt.timedelta(days=5), actor="system:demo", at=now))
    session.flush()
    return len(people)


def seed(session, *, settings, as_of: dt.date, rng_seed: int = 20200211, sync: bool = True) -> dict:
    from fugong.enterprises.importer import sync_from_meters
    from fugong.enterprises.models import Enterprise
    from fugong.enterprises.projects import add_project, set_project_status
    from fugong.healthcode.demo import scenario_enterprises
    from fugong.resumption.bundles import file_bundle
    from fugong.resumption.filings import declare_resumed
    from fugong.resumption.models import Filing
    from fugong.resumption.report import freeze_day
    from fugong.resumption.safety import check_enterprise

    if session.scalar(select(func.count()).select_from(Filing)):
        return {"skipped": True}
    rng = random.Random(rng_seed)
    # ``sync=False``: the demo's registry stage has synced already (it runs while the index is computed).
    registry = sync_from_meters(session, SYSTEM, settings=settings) if sync else None
    officer = Principal(user_id="demo-admin", role="province_admin", region_prefix="33")
    ready = {"prevention_plan": True, "protective_stock_days": 10, "orders_in_hand": True}
    by_county: dict[str, list[dict]] = {}
    for row in _meter_rows(settings):
        if row["county"]:
            by_county.setdefault(row["county"], []).append(row)
    counts = {"filed": 0, "approved": 0, "rejected": 0, "declared": 0, "waiting": 0}
    demo_firms = {eid for eid, _ in scenario_enterprises(settings)}
    for county in sorted(by_county):
        rows = [r for r in by_county[county] if r["enterprise_id"] not in demo_firms]
        resumed = sorted((r for r in rows if r["first_resumption"] is not None and r["first_resumption"] <= as_of),
                         key=lambda r: r["enterprise_id"])
        idle = sorted((r for r in rows if r["first_resumption"] is None or r["first_resumption"] > as_of),
                      key=lambda r: r["enterprise_id"])
        picks = rng.sample(resumed, min(PER_COUNTY, len(resumed))) if resumed else []
        if idle and rng.random() < 0.3:
            picks.append(rng.choice(idle))
        for row in picks:
            eid, first = row["enterprise_id"], row["first_resumption"]
            if first is not None and first <= as_of:
                filed = max(first - dt.timedelta(days=2), DAY0 - dt.timedelta(days=3))
                careless = rng.random() < 0.1
                filing = _file(session, eid, county, filed=filed,
                               answers={**ready, "prevention_plan": not careless})
                approved = _decide(session, filing, officer, filed + dt.timedelta(days=1), approve=not careless,
                                   reason="防控方案未落实 / no prevention plan" if careless else "防控措施到位 / prevention in place")
                if rng.random() < ROSTER_SHARE:
                    _roster(session, eid, county, filed, rng)
                if approved:
                    declare_resumed(session, _firm(eid, county), filing_id=filing.id, on=first, at=_at(first, 8))
                    counts["approved"] += 1
                    counts["declared"] += 1
                else:
                    counts["rejected"] += 1
            else:  # a firm whose meter has not resumed: declares work anyway, or still waits
                filing = _file(session, eid, county, filed=as_of - dt.timedelta(days=4), answers=ready)
                if rng.random() < 0.5 and _decide(session, filing, officer, as_of - dt.timedelta(days=3), approve=True,
                                                  reason="防控措施到位 / prevention in place"):
                    declare_resumed(session, _firm(eid, county), filing_id=filing.id, on=as_of - dt.timedelta(days=2),
                                    at=_at(as_of - dt.timedelta(days=2), 8))
                    counts["declared"] += 1
                else:
                    counts["waiting"] += 1
            counts["filed"] += 1
    # the three health-code demo firms: linked rosters; the third firm's safety manager is quarantined
    linked = 0
    for n, (eid, region) in enumerate(scenario_enterprises(settings)):
        if session.get(Enterprise, eid) is None:
            continue
        linked += _linked_roster(session, eid, as_of - dt.timedelta(days=10), quarantine_manager=n == 2)
        filing = _file(session, eid, region, filed=as_of - dt.timedelta(days=9), answers=ready)
        if _decide(session, filing, officer, as_of - dt.timedelta(days=8), approve=True, reason="防控措施到位，花名册已核"):
            declare_resumed(session, _firm(eid, region), filing_id=filing.id, on=as_of - dt.timedelta(days=7),
                            at=_at(as_of - dt.timedelta(days=7), 8))
        check_enterprise(session, enterprise_id=eid, day=as_of - dt.timedelta(days=5))
        counts["filed"] += 1
    bundle = _bundle(session, settings, as_of, rng, file_bundle)
    projects = 0
    for city in sorted({county[:4] for county in by_county}):
        counties = sorted(c for c in by_county if c.startswith(city))
        for k in range(2):
            project_id = f"P{city}{k + 1}"
            add_project(session, SYSTEM, project_id=project_id, kind="key_project" if k == 0 else "construction_site",
                        name=f"{'重点项目' if k == 0 else '建筑工地'}（合成）{city}-{k + 1}", region_code=counties[k % len(counties)],
                        listed_on=DAY0 - dt.timedelta(days=10))
            if rng.random() < 0.7:
                set_project_status(session, SYSTEM, project_id=project_id, status="resumed",
                                   effective_on=DAY0 + dt.timedelta(days=rng.randrange(0, (as_of - DAY0).days + 1)))
            projects += 1
    frozen = 0
    day = max(DAY0, as_of - dt.timedelta(days=FROZEN_DAYS))
    while day < as_of:
        freeze_day(session, day=day, settings=settings, actor="system:demo", reason="frozen at 20:00 (demo)")
        frozen += 1
        day += dt.timedelta(days=1)
    return {"registry": registry, **counts, "linked_staff": linked, "bundle": bundle, "projects": projects,
            "frozen_days": frozen}


def _bundle(session, settings, as_of: dt.date, rng: random.Random, file_bundle) -> str | None:
    """The first demo firm leads twelve suppliers from three Hangzhou districts (not yet filing)."""
    from fugong.enterprises.models import Enterprise
    from fugong.healthcode.demo import scenario_enterprises
    from fugong.resumption.models import Filing

    firms = scenario_enterprises(settings)
    if not firms or session.get(Enterprise, firms[0][0]) is None:
        return None
    lead, region = firms[0]
    filing_firms = select(Filing.enterprise_id)
    suppliers = []
    for district in ("330106", "330108", "330110"):
        rows = session.scalars(select(Enterprise).where(Enterprise.region_code == district, Enterprise.uscc.is_not(None),
                                                        Enterprise.enterprise_id.not_in(filing_firms))
                               .order_by(Enterprise.enterprise_id).limit(4)).all()
        suppliers += [{"uscc": e.uscc, "name": e.name} for e in rows]
    if not suppliers:
        return None
    bundle = file_bundle(session, _firm(lead, region), lead_enterprise_id=lead, name="龙头企业产业链（演示）",
                         suppliers=suppliers, planned_start=as_of - dt.timedelta(days=3),
                         at=_at(as_of - dt.timedelta(days=4), 10))
    return bundle.id


def run_registry_stage(ctx) -> str:
    """The registry gets every enterprise of the meter store (``sync_from_meters``, bulk; idempotent)."""
    from fugong.enterprises.importer import sync_from_meters
    from fugong.enterprises.models import Enterprise
    from fugong.store.db import connect, session_scope, write_lock

    engine = connect(ctx.settings.resolved_database_url)
    with write_lock(engine), session_scope(engine) as session:
        added = sync_from_meters(session, SYSTEM, settings=ctx.settings)
        total = session.scalar(select(func.count()).select_from(Enterprise))
    ctx.results["registry"] = total
    return f"{total:,} enterprises in the registry ({added:,} new from the meter store)"


def run_demo_stage(ctx) -> str:
    from fugong.store.db import connect, session_scope, write_lock

    settings = ctx.settings
    engine = connect(settings.resolved_database_url)
    as_of = settings.as_of or dt.date(2020, 2, 20)
    with write_lock(engine), session_scope(engine) as session:
        result = seed(session, settings=settings, as_of=as_of, rng_seed=ctx.seed, sync="registry" not in ctx.results)
    if result.get("skipped"):
        return "already seeded (filings exist)"
    registry = result["registry"] if result["registry"] is not None else ctx.results["registry"]
    return (f"{registry:,} enterprises in the registry; {result['filed']} filings "
            f"({result['approved']} approved and declared, {result['rejected']} rejected, {result['waiting']} waiting), "
            f"{result['linked_staff']} staff linked to health codes, {result['projects']} key projects, "
            f"report frozen for {result['frozen_days']} days")
