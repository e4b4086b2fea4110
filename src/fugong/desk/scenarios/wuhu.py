"""A Wuhu high-tech zone of our own (seed 004, 芜湖高新区（弋江区）), built through the desk's services.

What the seed reports for 2020-02-25: 7 contact units looking after 1,000+ firms by grid area; every
two days they report the firms' demands; the development and reform office (发改委) triages them and
dispatches the valid ones; **297 firms contacted, 926 demands; 245 firms and 763 valid demands
dispatched; 202 resolved**; 18.46 亿元 loans applied for, 1.67 亿元 credit granted, 3,000 万元 loans
approved, 7,593.44 万元 support funds paid.

``plan()`` draws a history that ends there (seeded, so the same every time) — with duplicates merged,
invalid demands, demands still untriaged on the evening of the 25th, demands resolved then reopened
before it, and life going on after it (more contacts, triage, resolutions up to 2020-03-04) — as a
list of timed events; ``load(session, plan)`` plays them through the services in time order. Nothing
is written behind the services' back, so the funnel read from the transition rows must give the
seed's figures as of 2020-02-25 and, for any earlier round, what the rows said then.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from fugong.access import Principal
from fugong.desk import pairing, rounds, routing, service
from fugong.desk.service import TZ
from fugong.enterprises import service as registry

REGION = "340203"  # 弋江区 (GB/T 2260-2020); merged into 340209 in 2021
FIRST_REPORT, LAST_REPORT, EVERY = dt.date(2020, 2, 11), dt.date(2020, 2, 25), 2
AS_OF_DAY = dt.date(2020, 2, 25)
SEED_FIGURES = {"firms_contacted": 297, "demands_collected": 926, "firms_valid": 245, "demands_valid": 763,
                "demands_dispatched": 763, "demands_resolved": 202, "amount_requested_yuan": 1_846_000_000.0,
                "credit_granted_yuan": 167_000_000.0, "loan_approved_yuan": 30_000_000.0,
                "funds_paid_yuan": 75_934_400.0}
FIRMS = 1050
SYSTEM = Principal(user_id="wuhu-loader", role="system")

# code, name, English name, contact unit?, department?
UNITS = [
    ("WH-FGW", "发改委", "Development and reform office", False, False),
    ("WH-RSJ", "人社局", "Human resources and social security bureau", True, True),
    ("WH-TCZX", "投资促进中心", "Investment promotion centre", True, True),
    ("WH-JXJ", "经信局", "Economy and information technology bureau", True, True),
    ("WH-KJJ", "科技局", "Science and technology bureau", True, False),
    ("WH-SWUJ", "商务局", "Commerce bureau", True, False),
    ("WH-CZJ", "财政局", "Finance bureau", True, True),
    ("WH-SCJ", "市场监管局", "Market regulation bureau", True, True),
    ("WH-JTJ", "交通运输局", "Transport bureau", False, True),
    ("WH-JRJ", "金融工作局", "Financial affairs office", False, True),
    ("WH-SWJ", "税务局", "Tax bureau", False, True),
]
ROUTES = {"labour": "WH-RSJ", "materials": "WH-JXJ", "protective": "WH-JXJ", "utilities": "WH-JXJ",
          "logistics": "WH-JTJ", "funding": "WH-JRJ", "tax": "WH-SWJ", "policy": "WH-CZJ", "permits": "WH-SCJ",
          "other": "WH-TCZX"}
TEXTS = {
    "labour": ["外地员工{n}人无法返岗，请协调包车接返", "招工缺口{n}人，请帮助对接线上招聘", "员工隔离期满返岗证明办理"],
    "materials": ["上游配套件供应商未复工，缺少原材料{n}吨", "进口零部件通关延迟，请协调", "原材料价格上涨，请求协调供应"],
    "logistics": ["货车{n}辆无法通行，请办理通行证明", "物流停运，成品无法发货", "跨省运输车辆需办理通行证"],
    "protective": ["复工急需口罩{n}只", "缺少消毒液和测温枪", "口罩库存仅够{n}天，请协调采购渠道"],
    "funding": ["流动资金紧张，申请贷款{n}万元", "申请战疫贷，用于支付工资和货款", "请求协调银行续贷"],
    "tax": ["申请延期缴纳税款", "咨询社保费减免政策", "申请房产税、城镇土地使用税减免"],
    "policy": ["咨询芜湖市十八条稳岗补贴申报", "安徽省二十条政策兑现咨询", "申请复工复产奖励资金"],
    "permits": ["生产线转产口罩需办理许可", "环评批复加急办理", "食品经营许可证延续"],
    "utilities": ["申请电费减免", "用气量增加，申请扩容", "厂区供水管网维修"],
    "other": ["食堂开放问题，请协调集中送餐", "员工子女看护问题", "厂区周边道路封闭影响进出"],
}
INVALID_REASONS = ["非政策类诉求，已转企业自行处理", "企业已自行解决", "信息不全，多次联系未果", "不属于本区事权"]


def local(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=TZ).astimezone(dt.timezone.utc)


@dataclass(eq=False)  # compared and hashed by identity
class PlannedDemand:
    key: int
    firm: str
    category: str
    text: str
    created_at: dt.datetime
    amount: int | None = None
    triage: tuple | None = None           # ("valid", at) | ("invalid", at, reason) | ("merge", at, kept key)
    events: list[tuple] = field(default_factory=list)  # (at, action, extra): take, progress, resolve, reopen, rate


@dataclass
class Plan:
    firms: list[tuple[str, str, str]]      # enterprise id, name, grid area
    areas: list[tuple[str, str, str]]      # area code, name, contact unit
    contacts: list[tuple[dt.datetime, str, str]]   # at, enterprise, unit
    demands: list[PlannedDemand]
    report_days: list[dt.date]


def report_days() -> list[dt.date]:
    days, day = [], FIRST_REPORT
    while day <= LAST_REPORT:
        days.append(day)
        day += dt.timedelta(days=EVERY)
    return days


def _split(rng: random.Random, total_units: int, parts: int) -> list[int]:
    """``parts`` positive whole numbers summing to ``total_units``."""
    cuts = sorted(rng.sample(range(1, total_units), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total_units])]


def plan(seed: int = 2020) -> Plan:
    rng = random.Random(seed)
    days = report_days()
    contact_units = [u[0] for u in UNITS if u[3]]
    areas = [(f"WH-G{i + 1:02d}", f"网格{i + 1:02d}", contact_units[i % len(contact_units)]) for i in range(21)]
    firms = [(f"WH{n:04d}", f"芜湖{['精密', '新材', '汽配', '电子', '智能', '机械'][n % 6]}科技有限公司{n:04d}号",
              areas[(n - 1) % len(areas)][0]) for n in range(1, FIRMS + 1)]
    unit_of_area = {a[0]: a[2] for a in areas}
    unit_of_firm = {f[0]: unit_of_area[f[2]] for f in firms}
    ids = [f[0] for f in firms]
    rng.shuffle(ids)
    contacted, late_contacted = ids[:297], ids[297:317]
    valid_firms, invalid_only, no_demand = contacted[:245], contacted[245:270], contacted[270:]

    # Visits: each contacted firm is first visited in some round, perhaps again later.
    visits: dict[str, list[dt.datetime]] = {}
    contacts = []
    for firm in contacted:
        first_round = rng.randrange(len(days))
        rounds_visited = sorted({first_round, *(r for r in range(first_round + 1, len(days)) if rng.random() < 0.3)})
        times = []
        for r in rounds_visited:
            day = days[r] - dt.timedelta(days=rng.randrange(EVERY))
            times.append(local(day, rng.randrange(9, 16), rng.randrange(60)))
        visits[firm] = times
        contacts += [(t, firm, unit_of_firm[firm]) for t in times]
    for firm in late_contacted:
        contacts.append((local(dt.date(2020, 2, 26) + dt.timedelta(days=rng.randrange(2)), 10), firm, unit_of_firm[firm]))

    def triage_time(created: dt.datetime, offset: int) -> dt.datetime:
        day = created.astimezone(TZ).date()
        report = next(d for d in days if d >= day)
        return local(report, 17) + dt.timedelta(seconds=offset)

    demands: list[PlannedDemand] = []
    categories = list(TEXTS)
    weights = [14, 10, 12, 14, 12, 6, 14, 6, 5, 7]

    def new_demand(firm: str, category: str, created: dt.datetime) -> PlannedDemand:
        text = rng.choice(TEXTS[category]).format(n=rng.randrange(2, 300))
        row = PlannedDemand(key=len(demands), firm=firm, category=category, text=text, created_at=created)
        demands.append(row)
        return row

    # 763 valid demands over the 245 firms (each at least one), at the firms' visits.
    per_firm = [1 + n for n in _multinomial(rng, 763 - 245, 245)]
    valid: list[PlannedDemand] = []
    for firm, count in zip(valid_firms, per_firm):
        for i in range(count):
            created = rng.choice(visits[firm]) + dt.timedelta(minutes=i)
            row = new_demand(firm, rng.choices(categories, weights)[0], created)
            row.triage = ("valid", triage_time(created, row.key))
            valid.append(row)
    # 100 invalid: one for each of 25 firms whose only demands are invalid, 75 more among the others.
    for firm in invalid_only + rng.choices(valid_firms, k=75):
        created = rng.choice(visits[firm]) + dt.timedelta(minutes=30)
        row = new_demand(firm, rng.choices(categories, weights)[0], created)
        row.triage = ("invalid", triage_time(created, row.key), rng.choice(INVALID_REASONS))
    # 55 duplicates: the same firm's demand reported again, at the same or a later visit.
    for original in rng.sample(valid, 55):
        later = [t for t in visits[original.firm] if t >= original.created_at] or [original.created_at]
        created = max(rng.choice(later), original.created_at) + dt.timedelta(minutes=45)
        row = new_demand(original.firm, original.category, created)
        row.text = original.text + "（重复上报）"
        row.triage = ("merge", max(triage_time(created, row.key), original.triage[1] + dt.timedelta(seconds=1)),
                      original.key)
    # 8 collected on the evening of the 25th, after that day's triage: triaged on the 26th.
    for i, firm in enumerate(rng.sample(valid_firms, 8)):
        row = new_demand(firm, "labour", local(LAST_REPORT, 18, i))
        row.triage = ("valid", local(dt.date(2020, 2, 26), 10, i)) if i < 5 else \
            ("invalid", local(dt.date(2020, 2, 26), 10, i), "企业已自行解决")
        contacts.append((row.created_at, firm, unit_of_firm[firm]))
    # Life after the 25th: 30 demands of newly and already contacted firms, triaged on the 28th.
    for i in range(30):
        firm = late_contacted[i % len(late_contacted)] if i < 20 else rng.choice(valid_firms)
        created = local(dt.date(2020, 2, 26) + dt.timedelta(days=rng.randrange(2)), 11, i)
        row = new_demand(firm, rng.choices(categories, weights)[0], created)
        row.triage = ("valid", local(dt.date(2020, 2, 28), 17, i))
        contacts.append((created, firm, unit_of_firm[firm]))

    _plan_amounts(rng, valid)
    _plan_resolutions(rng, valid)
    return Plan(firms=firms, areas=areas, contacts=sorted(contacts), demands=demands, report_days=days)


def _multinomial(rng: random.Random, total: int, parts: int) -> list[int]:
    counts = [0] * parts
    for _ in range(total):
        counts[min(int(rng.expovariate(1.0) * parts / 3), parts - 1) if rng.random() < 0.3 else rng.randrange(parts)] += 1
    return counts


def _plan_amounts(rng: random.Random, valid: list[PlannedDemand]) -> None:
    """Loan amounts (multiples of 10,000 yuan) of the funding demands, summing to 18.46 亿元."""
    funding = [d for d in valid if d.category == "funding"]
    for demand, units in zip(funding, _split(rng, 184_600, len(funding))):
        demand.amount = units * 10_000


def _plan_resolutions(rng: random.Random, valid: list[PlannedDemand]) -> None:
    cutoff = local(AS_OF_DAY + dt.timedelta(days=1), 0)
    early = [d for d in valid if d.triage[1] <= local(dt.date(2020, 2, 23), 18)]
    rng.shuffle(early)
    funding = [d for d in early if d.category == "funding"][:9]
    policy = [d for d in early if d.category == "policy"][:20]
    others = [d for d in early if d not in funding and d not in policy]
    resolved = funding + policy + others[:202 - len(funding) - len(policy)]
    reopened = [d for d in others[202 - len(funding) - len(policy):] if d.triage[1] <= local(dt.date(2020, 2, 17), 18)][:12]
    credit = dict(zip(funding, (u * 10_000 for u in _split(rng, 16_700, 9))))
    loans = dict(zip(funding[:3], (u * 10_000 for u in _split(rng, 3_000, 3))))
    funds = dict(zip(policy, (u * 100 for u in _split(rng, 759_344, 20))))
    for demand in resolved:
        dispatched = demand.triage[1]
        taken = dispatched + dt.timedelta(hours=16)
        span = (cutoff - dt.timedelta(hours=1) - taken).total_seconds()
        done = taken + dt.timedelta(seconds=rng.uniform(3600, max(3601, span)))
        amounts = {k: v for k, v in (("credit_granted_yuan", credit.get(demand)), ("loan_approved_yuan", loans.get(demand)),
                                     ("funds_paid_yuan", funds.get(demand))) if v}
        demand.events += [(taken, "take", {}), (done, "resolve", amounts)]
        if rng.random() < 0.4:
            demand.events.append((done + dt.timedelta(hours=rng.randrange(2, 60)), "rate", {"rating": rng.randrange(3, 6)}))
    for demand in reopened:
        taken = demand.triage[1] + dt.timedelta(hours=16)
        demand.events += [(taken, "take", {}), (local(dt.date(2020, 2, 19), 10), "resolve", {}),
                          (local(dt.date(2020, 2, 22), 10), "reopen", {}), (local(dt.date(2020, 2, 22), 14), "take", {}),
                          (local(dt.date(2020, 2, 27), 10), "resolve", {})]
    rest = [d for d in valid if not d.events]
    for demand in rng.sample(rest, min(150, len(rest))):
        taken = max(demand.triage[1] + dt.timedelta(hours=16), local(dt.date(2020, 2, 26), 9))
        demand.events += [(taken, "take", {}), (taken + dt.timedelta(hours=rng.randrange(1, 150)), "resolve", {})]
    for demand in rest:
        if not demand.events and rng.random() < 0.5:
            demand.events.append((demand.triage[1] + dt.timedelta(hours=16), "take", {}))
            demand.events.append((demand.triage[1] + dt.timedelta(hours=40), "progress", {}))


# --- playing the plan through the services ---------------------------------------------------------------

def _officer(user: str) -> Principal:
    return Principal(user_id=user, role="officer", region_prefix=REGION)


def _department(user: str) -> Principal:
    return Principal(user_id=user, role="department", region_prefix=REGION)


def _firm(enterprise_id: str) -> Principal:
    return Principal(user_id=f"firm-{enterprise_id}", role="enterprise", region_prefix=REGION,
                     enterprise_ids=frozenset({enterprise_id}))


def setup(session, the_plan: Plan) -> None:
    """The zone: firms, units and their staff, grid areas, routing rules, rounds, pairings."""
    for enterprise_id, name, _area in the_plan.firms:
        registry.register_enterprise(session, SYSTEM, enterprise_id=enterprise_id, name=name, region_code=REGION,
                                     region_vintage="2020", key_project=enterprise_id.endswith("7"),
                                     at=local(dt.date(2020, 2, 1), 9))
    for code, name, name_en, contact, department in UNITS:
        kinds = (["contact"] if contact else []) + (["department"] if department else []) + \
            (["triage"] if code == "WH-FGW" else [])
        service.add_unit(session, SYSTEM, code=code, name_zh=name, name_en=name_en, region_code=REGION, kinds=kinds)
        service.add_member(session, SYSTEM, username=f"{code.lower()}-1", unit_code=code)
        service.add_member(session, SYSTEM, username=f"{code.lower()}-head", unit_code=code, head=True)
    for code, name, unit in the_plan.areas:
        service.add_grid_area(session, SYSTEM, code=code, name=name, unit_code=unit, region_code=REGION)
    by_area: dict[str, list[str]] = {}
    for enterprise_id, _name, area in the_plan.firms:
        by_area.setdefault(area, []).append(enterprise_id)
    for area, members in by_area.items():
        service.assign_to_area(session, SYSTEM, area_code=area, enterprise_ids=members)
    routing.publish(session, SYSTEM, reason="按职责分工分类报送责任单位", source="wuhu",
                    rules=[{"category": c, "region_prefix": REGION, "department": d} for c, d in ROUTES.items()],
                    at=local(dt.date(2020, 2, 9), 9))
    rounds.create_rounds(session, SYSTEM, region_prefix=REGION, first=FIRST_REPORT, every=EVERY, last=LAST_REPORT)
    pairing.apply_plan(session, SYSTEM, source="wuhu", at=local(dt.date(2020, 2, 9), 9), plan={
        "leader": [{"username": "wh-leader-1", "unit": "WH-FGW", "key_projects": True, "region_prefix": REGION}],
        "grid": [{"area": code, "username": f"{unit.lower()}-grid-{code[-2:]}"} for code, _n, unit in the_plan.areas]})


def load(session, the_plan: Plan | None = None, *, until: dt.datetime | None = None) -> Plan:
    """Set the zone up and play every event (before ``until`` if given) through the services."""
    the_plan = the_plan or plan()
    setup(session, the_plan)
    play(session, the_plan, until=until)
    return the_plan


def events(the_plan: Plan) -> list[tuple]:
    out = []
    for at, firm, unit in the_plan.contacts:
        out.append((at, 0, "contact", (firm, unit)))
    for demand in the_plan.demands:
        out.append((demand.created_at, 1, "create", demand))
        if demand.triage:
            out.append((demand.triage[1], 2, "triage", demand))
        for at, action, extra in demand.events:
            out.append((at, 3, action, (demand, extra)))
    return sorted(out, key=lambda e: (e[0], e[1]))  # stable: same-time events keep the plan's order


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.timezone.utc) if value is not None and value.tzinfo is None else value


def play(session, the_plan: Plan, *, since: dt.datetime | None = None, until: dt.datetime | None = None) -> None:
    since, until = (_utc(since), _utc(until))
    ids: dict[int, int] = getattr(the_plan, "_ids", {})
    the_plan._ids = ids  # type: ignore[attr-defined]
    triage_office = _officer("wh-fgw-1")
    unit_of_area = {code: unit for code, _name, unit in the_plan.areas}
    unit_of_firm = {firm: unit_of_area[area] for firm, _name, area in the_plan.firms}
    # The session's identity map holds rows weakly: without a reference each action loaded its demand
    # and enterprise again (5,182 loads, 8 of the 42 s this took on SQLite).
    from sqlalchemy import select

    from fugong.desk.models import Demand
    from fugong.enterprises.models import Enterprise

    held = list(session.scalars(select(Enterprise).where(Enterprise.enterprise_id.in_([firm for firm, _n, _a in the_plan.firms]))))
    held += session.scalars(select(Demand).where(Demand.id.in_(list(ids.values())))) if ids else []
    for at, _order, kind, payload in events(the_plan):
        if (since is not None and at < since) or (until is not None and at >= until):
            continue
        if kind == "contact":
            firm, unit = payload
            service.record_contact(session, _officer(f"{unit.lower()}-1"), enterprise_id=firm, unit_code=unit,
                                   channel="visit", note="走访收集需求", at=at)
        elif kind == "create":
            demand = payload
            unit = unit_of_firm[demand.firm]
            row = service.submit_demand(session, _officer(f"{unit.lower()}-1"), enterprise_id=demand.firm,
                                        category=demand.category, text=demand.text, amount_yuan=demand.amount, at=at)
            ids[demand.key] = row.id
            held.append(row)
        elif kind == "triage":
            demand = payload
            decision = demand.triage[0]
            if decision == "valid":
                service.triage(session, triage_office, demand_id=ids[demand.key], at=at, schedule_jobs=False)
            elif decision == "invalid":
                service.invalidate(session, triage_office, demand_id=ids[demand.key], reason=demand.triage[2], at=at)
            else:
                service.merge(session, triage_office, demand_id=ids[demand.key], into=ids[demand.triage[2]], at=at)
        else:
            demand, extra = payload
            staff = _department(f"{ROUTES[demand.category].lower()}-1")
            demand_id = ids[demand.key]
            if kind == "take":
                service.take(session, staff, demand_id=demand_id, at=at)
            elif kind == "progress":
                service.progress(session, staff, demand_id=demand_id, note="已与企业对接，正在协调", at=at)
            elif kind == "resolve":
                service.resolve(session, staff, demand_id=demand_id, outcome="已协调解决", amounts=extra or None, at=at,
                                schedule_jobs=False)
            elif kind == "reopen":
                service.reopen(session, _firm(demand.firm), demand_id=demand_id, reason="问题未彻底解决", at=at,
                               schedule_jobs=False)
            elif kind == "rate":
                service.rate(session, _firm(demand.firm), demand_id=demand_id, rating=extra["rating"], at=at)
    session.flush()
