"""Synthetic health-code data for ``fugong demo``: people of a few enterprises, their declarations,
daily check-ins, gates and one morning of gate scans, all on the demo's own days (declarations ten
days before the as-of day, check-ins every day up to it, the scans on the morning of the as-of day:
tokens are issued and verified as of that morning). Synthetic names and ID numbers only.

The demo's person account (``demo-person``, DEMO_PERSON) is one of the first firm's staff: declared,
checked in up to the day before the as-of day, so that they can check in on it in the browser.

The enterprises are the scenario's own (the largest one in each of three Hangzhou districts, so
the dashboard's drill-down and the health-code day view show the same firm); without an index
store (the health-code demo on its own) three stand-ins E-DEMO-1..3 are used.

    summary = run_demo(ctx)       # the demo stage: "health code: 240 people (212 green …), 3 gates, 236 scans"
"""

from __future__ import annotations

import datetime as dt
import random

from fugong.access import SYSTEM, Principal

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
DISTRICTS = ("330102", "330105", "330106", "330108", "330110")  # Hangzhou districts (GB/T 2260, 2020)


def _id_number(rng: random.Random, region: str) -> str:
    from fugong.healthcode.people import id_check_character

    birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 35))
    body = f"{region}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + id_check_character(body)


STAND_INS = (("E-DEMO-1", "330102"), ("E-DEMO-2", "330105"), ("E-DEMO-3", "330106"))
SIZE_ORDER = {"large": 0, "medium": 1, "small": 2, "micro": 3}


def scenario_enterprises(settings, districts: tuple[str, ...] = DISTRICTS[:3]) -> tuple[tuple[str, str], ...]:
    """(enterprise id, region code) of the largest stored enterprise in each district (the lowest id
    among equals), or the stand-ins when no enterprises are stored."""
    from fugong.index.store import read_enterprises

    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        table = read_enterprises(settings).select(["enterprise_id", "region_code", "size_class"])
    except FileNotFoundError:
        return STAND_INS
    table = table.filter(pc.is_in(table["region_code"], value_set=pa.array(list(districts)))).to_pylist()
    chosen = []
    for district in districts:
        rows = [row for row in table if row["region_code"] == district]
        if rows:
            best = min(rows, key=lambda row: (SIZE_ORDER.get(row["size_class"], 9), row["enterprise_id"]))
            chosen.append((best["enterprise_id"], district))
    return tuple(chosen) or STAND_INS


DEMO_PERSON = "demo-person"  # the account user id of the demo's member of the public


def _morning(as_of: dt.date, second: int) -> dt.datetime:
    """A moment of the as-of day's morning shift change (07:30 + seconds), Asia/Shanghai."""
    from fugong.healthcode.lifecycle import TZ

    return dt.datetime.combine(as_of, dt.time(7, 30), TZ) + dt.timedelta(seconds=second)


def seed(session, *, as_of: dt.date, people_per_enterprise: int = 80,
         enterprises: tuple[str | tuple[str, str], ...] = STAND_INS, rng_seed: int = 20200211,
         demo_person: bool = True) -> dict:
    """Register people, declare on ``as_of - 10 days``, check in daily (with some missed days and
    fevers) up to ``as_of``, and scan everyone at their enterprise's gate on ``as_of``.
    ``enterprises``: ids, or (id, region code) pairs (an id alone gets a Hangzhou district)."""
    from fugong.healthcode.declarations import declare
    from fugong.healthcode.lifecycle import check_in
    from fugong.healthcode.people import InvalidIdentity, register_person
    from fugong.healthcode.scans import register_gate, scan
    from fugong.healthcode.tokens import ensure_signing_key, issue_token

    ensure_signing_key(session, SYSTEM)  # the demo sets up its first key; reads never create one
    rng = random.Random(rng_seed)
    start = as_of - dt.timedelta(days=10)
    severity = {("420100", start - dt.timedelta(days=d)): 4 for d in range(15)}  # Wuhan, high
    people = []
    for e_index, entry in enumerate(enterprises):
        enterprise, region = entry if isinstance(entry, tuple) else (entry, DISTRICTS[e_index % len(DISTRICTS)])
        register_gate(session, SYSTEM, gate_id=f"{enterprise}-G1", enterprise_id=enterprise, region_code=region,
                      name="北门")
        for number in range(people_per_enterprise):
            account = DEMO_PERSON if demo_person and e_index == 0 and number == 0 else f"demo-{len(people) + 1:05d}"
            me = Principal(user_id=account, role="person")
            try:
                person = register_person(session, me, name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                                         phone=f"13{rng.randrange(0, 10**9):09d}", id_number=_id_number(rng, region),
                                         region_code=region, enterprise_id=enterprise)
            except InvalidIdentity:  # a duplicate synthetic ID: skip it
                continue
            roll = rng.random() if account != DEMO_PERSON else 0.5  # the demo person declares a normal day
            travel = [{"region": "420100", "date": (start - dt.timedelta(days=3)).isoformat()}] if roll < 0.05 else []
            declare(session, me, current_region=region, day=start, travel=travel,
                    temperature=37.6 if 0.05 <= roll < 0.07 else round(rng.uniform(36.0, 37.0), 1),
                    symptoms=["cough"] if 0.07 <= roll < 0.1 else [],
                    severity_of=lambda r, d: severity.get((r, d)))
            people.append((person, me))
    for day_offset in range(1, 11):
        day = start + dt.timedelta(days=day_offset)
        for person, me in people:
            if me.user_id == DEMO_PERSON:
                if day < as_of:  # every day a normal check-in; the as-of day is left for the visitor
                    check_in(session, me, temperature=36.5, day=day)
                continue
            if rng.random() < 0.04:
                continue  # a missed day
            fever = rng.random() < 0.003
            check_in(session, me, temperature=37.8 if fever else round(rng.uniform(36.0, 37.0), 1), day=day)
    guard = Principal(user_id="demo-gate", role="gate_staff", region_prefix="3301")
    scanned = 0
    for person, _ in people:
        if person.colour is None:
            continue
        # On the demo's own day: the token is issued and scanned that morning (a few seconds apart).
        at = _morning(as_of, 7 * scanned)
        scan(session, guard, gate_id=f"{person.enterprise_id}-G1", scanned_at=at + dt.timedelta(seconds=5),
             token=issue_token(session, person=person, at=at.timestamp()),
             temperature=37.5 if rng.random() < 0.01 else round(rng.uniform(36.0, 37.0), 1))
        scanned += 1
    colours = {c: sum(1 for p, _ in people if p.colour == c) for c in ("green", "yellow", "red")}
    return {"people": len(people), "colours": colours, "gates": len(enterprises), "scans": scanned}


def run_demo(ctx) -> str:
    """The ``fugong demo`` stage (ctx: fugong.demo.stages.DemoContext)."""
    from fugong.store.db import connect, session_scope

    as_of = ctx.settings.as_of or dt.date(2020, 2, 20)
    per = max(10, int(80 * min(ctx.scale, 1.0)))
    from fugong.healthcode.models import Gate

    enterprises = scenario_enterprises(ctx.settings)
    with session_scope(connect(ctx.settings.resolved_database_url)) as session:
        if session.get(Gate, f"{enterprises[0][0]}-G1") is not None:
            # A second `fugong demo` on the same data directory keeps what the first one seeded.
            return "health code: demo people already seeded"
        result = seed(session, as_of=as_of, people_per_enterprise=per, enterprises=enterprises, rng_seed=ctx.seed)
    ctx.results["healthcode"] = result
    c = result["colours"]
    return (f"health code: {result['people']} people ({c['green']} green, {c['yellow']} yellow, {c['red']} red) "
            f"of {', '.join(e for e, _ in enterprises)}, {result['gates']} gates, {result['scans']} scans")
