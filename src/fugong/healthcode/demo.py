"""Synthetic health-code data for ``fugong demo``: people of a few enterprises, their declarations,
daily check-ins, gates and one morning of gate scans. Synthetic names and ID numbers only.

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


def seed(session, *, as_of: dt.date, people_per_enterprise: int = 80, enterprises: tuple[str, ...] = ("E-DEMO-1", "E-DEMO-2", "E-DEMO-3"),
         rng_seed: int = 20200211) -> dict:
    """Register people, declare on ``as_of - 10 days``, check in daily (with some missed days and
    fevers) up to ``as_of``, and scan everyone at their enterprise's gate on ``as_of``."""
    from fugong.healthcode.declarations import declare
    from fugong.healthcode.lifecycle import check_in
    from fugong.healthcode.people import InvalidIdentity, register_person
    from fugong.healthcode.scans import register_gate, scan
    from fugong.healthcode.tokens import issue_token

    rng = random.Random(rng_seed)
    start = as_of - dt.timedelta(days=10)
    severity = {("420100", start - dt.timedelta(days=d)): 4 for d in range(15)}  # Wuhan, high
    people = []
    for e_index, enterprise in enumerate(enterprises):
        region = DISTRICTS[e_index % len(DISTRICTS)]
        register_gate(session, SYSTEM, gate_id=f"{enterprise}-G1", enterprise_id=enterprise, region_code=region,
                      name=f"{enterprise} 北门")
        for _ in range(people_per_enterprise):
            me = Principal(user_id=f"demo-{len(people) + 1:05d}", role="person")
            try:
                person = register_person(session, me, name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                                         phone=f"13{rng.randrange(0, 10**9):09d}", id_number=_id_number(rng, region),
                                         region_code=region, enterprise_id=enterprise)
            except InvalidIdentity:  # a duplicate synthetic ID: skip it
                continue
            roll = rng.random()
            travel = [{"region": "420100", "date": (start - dt.timedelta(days=3)).isoformat()}] if roll < 0.05 else []
            declare(session, me, current_region=region, day=start, travel=travel,
                    temperature=37.6 if 0.05 <= roll < 0.07 else round(rng.uniform(36.0, 37.0), 1),
                    symptoms=["cough"] if 0.07 <= roll < 0.1 else [],
                    severity_of=lambda r, d: severity.get((r, d)))
            people.append((person, me))
    for day_offset in range(1, 11):
        day = start + dt.timedelta(days=day_offset)
        for person, me in people:
            if rng.random() < 0.04:
                continue  # a missed day
            fever = rng.random() < 0.003
            check_in(session, me, temperature=37.8 if fever else round(rng.uniform(36.0, 37.0), 1), day=day)
    guard = Principal(user_id="demo-gate", role="gate_staff", region_prefix="3301")
    scanned = 0
    for person, _ in people:
        if person.colour is None:
            continue
        scan(session, guard, gate_id=f"{person.enterprise_id}-G1", token=issue_token(session, person=person),
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

    with session_scope(connect(ctx.settings.resolved_database_url)) as session:
        if session.get(Gate, "E-DEMO-1-G1") is not None:
            # A second `fugong demo` on the same data directory keeps what the first one seeded.
            return "health code: demo people already seeded"
        result = seed(session, as_of=as_of, people_per_enterprise=per, rng_seed=ctx.seed)
    ctx.results["healthcode"] = result
    c = result["colours"]
    return (f"health code: {result['people']} people ({c['green']} green, {c['yellow']} yellow, {c['red']} red), "
            f"{result['gates']} gates, {result['scans']} scans")
