"""The demo's demand desk (``fugong demo``, stage "desk"): 余杭区 (330110), seed 002's resident
service officers and seed 004's layered pairing, over the demo's own enterprises.

It registers up to 240 of the district's stored enterprises (the same ids as the meter data) in the
registry, sets up the triage office (惠企政策兑现办公室), three platforms as contact units and towns, eight
departments, grid areas, routing rules, rounds every two days from 2020-02-10 to the demo's as-of
day, layered pairing, and ~150 demands played through the services up to the as-of day — in every
state of the machine (collected, valid, dispatched, in progress, awaiting the firm, escalated,
resolved, reopened, closed, invalid, merged). Desk accounts (DESK_USERS) share the demo password.
"""

from __future__ import annotations

import datetime as dt
import random

from fugong.access import Principal
from fugong.desk import pairing, rounds, routing, service
from fugong.desk.scenarios.wuhu import TEXTS, local

DISTRICT = "330110"  # 余杭区 (GB/T 2260-2020)
SYSTEM = Principal(user_id="demo-desk", role="system")
UNITS = [  # code, name, English, kinds
    ("YH-HQB", "惠企政策兑现办公室", "Policy delivery office", ["triage"]),
    ("YH-KFQ", "余杭经济技术开发区", "Yuhang economic and technological development zone", ["contact", "town"]),
    ("YH-WLC", "未来科技城", "Future Sci-Tech City", ["contact", "town"]),
    ("YH-LZX", "良渚新城", "Liangzhu New Town", ["contact", "town"]),
    ("YH-JXJ", "区经信局", "Economy and information technology bureau", ["department"]),
    ("YH-RSJ", "区人力社保局", "Human resources and social security bureau", ["department"]),
    ("YH-JTJ", "区交通运输局", "Transport bureau", ["department"]),
    ("YH-JRB", "区金融办", "Financial affairs office", ["department"]),
    ("YH-SWJ", "区税务局", "Tax bureau", ["department"]),
    ("YH-CZJ", "区财政局", "Finance bureau", ["department"]),
    ("YH-SCJ", "区市场监管局", "Market regulation bureau", ["department"]),
    ("YH-GDJ", "区供电公司", "Power supply company", ["department"]),
]
ROUTES = {"labour": "YH-RSJ", "materials": "YH-JXJ", "protective": "YH-JXJ", "utilities": "YH-GDJ",
          "logistics": "YH-JTJ", "funding": "YH-JRB", "tax": "YH-SWJ", "policy": "YH-CZJ", "permits": "YH-SCJ",
          "other": "YH-JXJ"}
# username, role, region prefix, unit, head — who a visitor can sign in as to try each desk role
DESK_USERS = (
    ("demo-desk-triage", "officer", DISTRICT, "YH-HQB", False),
    ("demo-desk-contact", "officer", DISTRICT, "YH-KFQ", False),
    ("demo-desk-dept", "department", "3301", "YH-JTJ", False),
    ("demo-desk-head", "department", "3301", "YH-JTJ", True),
    ("demo-desk-official", "service_officer", DISTRICT, "YH-KFQ", False),
)
DESK_FIRM_USER = "demo-desk-firm"
ENDPOINT_STATES = ("collected", "valid", "dispatched", "in_progress", "awaiting_enterprise", "escalated", "resolved",
                   "reopened", "closed", "invalid", "merged")


def district_enterprises(settings, limit: int = 240) -> list[tuple[str, str]]:
    """(enterprise id, name) of the district's stored enterprises, largest first (stand-ins without data)."""
    try:
        import pyarrow.compute as pc

        from fugong.index.store import read_enterprises

        table = read_enterprises(settings)
        table = table.filter(pc.equal(table["region_code"], DISTRICT))
        columns = [c for c in ("enterprise_id", "name", "size_class") if c in table.column_names]
        rows = table.select(columns).to_pylist()
    except FileNotFoundError:
        rows = []
    order = {"large": 0, "medium": 1, "small": 2, "micro": 3}
    rows.sort(key=lambda r: (order.get(r.get("size_class"), 9), r["enterprise_id"]))
    chosen = [(r["enterprise_id"], r.get("name") or f"余杭企业{r['enterprise_id']}") for r in rows[:limit]]
    return chosen or [(f"E-YH-{n:03d}", f"余杭演示企业{n:03d}") for n in range(1, 61)]


def build(session, *, firms: list[tuple[str, str]], as_of: dt.date, seed: int = 20200219) -> dict:
    """Set the district's desk up and play ~150 demands up to the end of ``as_of``; returns counts."""
    from fugong.enterprises import service as registry
    from fugong.enterprises.models import Enterprise

    rng = random.Random(seed)
    for enterprise_id, name in firms:
        if session.get(Enterprise, enterprise_id) is None:
            registry.register_enterprise(session, SYSTEM, enterprise_id=enterprise_id, name=name, region_code=DISTRICT,
                                         region_vintage="2020", key_project=rng.random() < 0.04,
                                         at=local(dt.date(2020, 2, 1), 9))
    for code, name, name_en, kinds in UNITS:
        service.add_unit(session, SYSTEM, code=code, name_zh=name, name_en=name_en, region_code=DISTRICT, kinds=kinds)
        service.add_member(session, SYSTEM, username=f"{code.lower()}-staff", unit_code=code)
    for username, _role, _prefix, unit, head in DESK_USERS:
        service.add_member(session, SYSTEM, username=username, unit_code=unit, head=head)
    ids = [f[0] for f in firms]
    areas = []
    for n, (code, *_rest) in enumerate(u for u in UNITS if "contact" in u[3]):
        for k in range(2):
            area = f"{code}-G{k + 1}"
            service.add_grid_area(session, SYSTEM, code=area, name=f"{code} 网格{k + 1}", unit_code=code,
                                  region_code=DISTRICT)
            areas.append((area, code))
    for n, area in enumerate(areas):
        service.assign_to_area(session, SYSTEM, area_code=area[0], enterprise_ids=ids[n::len(areas)])
    routing.publish(session, SYSTEM, reason="余杭区惠企政策分工", source="demo", at=local(dt.date(2020, 2, 8), 9),
                    rules=[{"category": c, "region_prefix": DISTRICT, "department": d} for c, d in ROUTES.items()])
    rounds.create_rounds(session, SYSTEM, region_prefix=DISTRICT, first=dt.date(2020, 2, 11), every=2,
                         last=max(as_of, dt.date(2020, 2, 11)))
    official_firms = ids[:12]
    plan = {"leader": [{"username": "demo-desk-head", "unit": "YH-JTJ", "key_projects": True,
                        "region_prefix": DISTRICT}],
            "department": [{"username": "demo-desk-official", "unit": "YH-KFQ", "enterprises": official_firms}],
            "grid": [{"area": area, "username": f"{area.lower()}-grid"} for area, _ in areas]}
    pairing.apply_plan(session, SYSTEM, plan=plan, source="demo", at=local(dt.date(2020, 2, 9), 9))
    played = _play(session, rng, ids=ids, areas=dict((a, u) for a, u in areas), as_of=as_of)
    return {"firms": len(ids), "demands": played, "firm_user": ids[0]}


def _play(session, rng: random.Random, *, ids: list[str], areas: dict, as_of: dt.date) -> int:
    """Demands through the services, each driven to a target state, the last step before ``as_of``'s end."""
    from fugong.desk.models import GridFirm

    end = local(as_of + dt.timedelta(days=1), 0)
    triage = Principal(user_id="demo-desk-triage", role="officer", region_prefix=DISTRICT)
    unit_of = {row.enterprise_id: areas[row.area_code] for row in session.query(GridFirm)
               .filter(GridFirm.enterprise_id.in_(ids))}
    made = 0
    targets = [s for s in ENDPOINT_STATES for _ in range(3)] + \
        [rng.choice(("resolved", "closed", "in_progress", "dispatched")) for _ in range(117)]
    kept: dict[str, int] = {}
    days = max(1, (as_of - dt.date(2020, 2, 10)).days)
    for n, target in enumerate(targets):
        firm = ids[0] if n < 6 or target == "merged" else ids[n % len(ids)]
        created = local(dt.date(2020, 2, 10) + dt.timedelta(days=rng.randrange(days)), rng.randrange(9, 17), n % 60)
        if created >= end - dt.timedelta(hours=20):
            created = end - dt.timedelta(hours=20)
        category = rng.choice(list(TEXTS))
        contact = Principal(user_id="demo-desk-contact" if unit_of.get(firm) == "YH-KFQ" else
                            f"{unit_of.get(firm, 'YH-KFQ').lower()}-staff", role="officer", region_prefix=DISTRICT)
        firm_user = Principal(user_id="demo-firm", role="enterprise", region_prefix=DISTRICT,
                              enterprise_ids=frozenset({firm}))
        amount = rng.randrange(50, 2000) * 10_000 if category == "funding" else None
        text = rng.choice(TEXTS[category]).format(n=rng.randrange(2, 200))
        if target == "merged" and firm in kept:
            text = "（重复）" + text
        by = firm_user if n % 3 == 0 else contact
        demand = service.submit_demand(session, by, enterprise_id=firm, category=category, text=text,
                                       amount_yuan=amount, at=created, log_contact=by is contact)
        made += 1
        step = iter(created + dt.timedelta(hours=h) for h in (3, 20, 26, 30, 44, 50, 68, 70, 90))

        def t():
            return min(next(step), end - dt.timedelta(minutes=made % 50 + 1))

        if target == "collected":
            continue
        if target == "invalid":
            service.invalidate(session, triage, demand_id=demand.id, reason="非政策类诉求，已告知企业", at=t())
            continue
        if target == "merged":
            original = kept.get(firm)
            if original is not None:
                service.merge(session, triage, demand_id=demand.id, into=original, at=t())
                continue
        service.accept(session, triage, demand_id=demand.id, at=t())
        kept.setdefault(firm, demand.id)
        if target == "valid" or target == "merged":
            continue
        service.dispatch(session, triage, demand_id=demand.id, at=t(), schedule_jobs=False)
        if target == "dispatched":
            continue
        staff = Principal(user_id=f"{demand.department.lower()}-staff", role="department", region_prefix=DISTRICT)
        if demand.department == "YH-JTJ":
            staff = Principal(user_id="demo-desk-dept", role="department", region_prefix="3301")
        if target == "escalated":
            from fugong.desk.deadlines import SCHEDULER

            service.escalate(session, SCHEDULER, demand=demand, level=1, at=t(),
                             reason="逾期未办结，督办至承办部门负责人 / overdue, escalated to the department head")
            continue
        service.take(session, staff, demand_id=demand.id, at=t())
        if target == "in_progress":
            service.progress(session, staff, demand_id=demand.id, note="已与企业对接，正在协调", at=t())
            continue
        if target == "awaiting_enterprise":
            service.ask(session, staff, demand_id=demand.id, question="请补充需求明细（数量、时间）", at=t())
            continue
        amounts = {"loan_approved_yuan": amount // 2} if amount else None
        service.resolve(session, staff, demand_id=demand.id, outcome="已协调解决", amounts=amounts, at=t(),
                        schedule_jobs=False)
        if target == "reopened":
            service.reopen(session, firm_user, demand_id=demand.id, reason="问题仍未解决", at=t(), schedule_jobs=False)
        elif target == "closed":
            service.rate(session, firm_user, demand_id=demand.id, rating=rng.randrange(3, 6), at=t())
    return made


def run_demo(ctx) -> str:
    """The demo stage: the desk scenario and its accounts (sharing the demo password)."""
    from fugong.access import SYSTEM as ROOT
    from fugong.accounts import service as accounts
    from fugong.accounts.models import User
    from fugong.desk.models import Unit
    from fugong.store.db import connect, session_scope

    as_of = ctx.settings.as_of or dt.date(2020, 2, 20)
    engine = connect(ctx.settings.resolved_database_url)
    with session_scope(engine) as session:
        if session.get(Unit, "YH-HQB") is not None:
            return "desk scenario present already"
        result = build(session, firms=district_enterprises(ctx.settings), as_of=as_of)
    password = ctx.results.get("demo_password")
    if password is None:
        path = ctx.settings.data_dir / "demo-password.txt"
        password = path.read_text().strip() if path.exists() else None
    users = [(u, role, prefix, ()) for u, role, prefix, _unit, _head in DESK_USERS]
    users.append((DESK_FIRM_USER, "enterprise", DISTRICT, (result["firm_user"],)))
    with session_scope(engine) as session:
        for username, role, prefix, firms in users:
            if session.query(User).filter_by(username=username).first() is None:
                accounts.add_user(session, actor=ROOT, username=username, role=role, region_prefix=prefix,
                                  enterprise_ids=firms, password=password)
        counts = dict(session.execute(__import__("sqlalchemy").text(
            "select state, count(*) from desk_demand group by state")).all())
    return (f"{result['firms']} firms of 余杭区, {result['demands']} demands in {len(counts)} states; accounts "
            f"{', '.join(u for u, *_ in users)}")
