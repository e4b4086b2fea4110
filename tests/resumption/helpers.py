"""Builders for resumption tests: enterprises, rosters, risk levels, policies, the clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fugong.access import Principal
from fugong.enterprises.service import register_enterprise
from fugong.resumption import filings
from fugong.resumption.roster import upsert_employee
from tests.enterprises.helpers import make_uscc

SYSTEM = Principal(user_id="test", role="system")
YUHANG = Principal(user_id="yh-officer", role="officer", region_prefix="330110")
HANGZHOU = Principal(user_id="hz-officer", role="officer", region_prefix="3301")
NINGBO = Principal(user_id="nb-officer", role="officer", region_prefix="3302")
TZ = filings.TZ
D = dt.date
ANSWERS = {"prevention_plan": True, "protective_stock_days": 10, "orders_in_hand": True, "core_posts": True}


def firm_user(enterprise_id: str, region: str = "330110") -> Principal:
    return Principal(user_id=f"u-{enterprise_id}", role="enterprise", region_prefix=region,
                     enterprise_ids=frozenset({enterprise_id}))


def add_firm(session, enterprise_id: str, *, region: str = "330110", serial: int | None = None, **extra):
    return register_enterprise(session, SYSTEM, enterprise_id=enterprise_id, name=f"企业{enterprise_id}", region_code=region,
                               uscc=make_uscc(serial if serial is not None else int.from_bytes(enterprise_id.encode(), "big") % 10**8,
                                              region), **extra)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def publish(session, day: dt.date, levels: dict[str, str], rules: str = "zj-five-colour-2020") -> None:
    """A risk publication on ``day`` grading the given counties ({code: level key})."""
    from fugong.risk.publication import Publication
    from fugong.risk.rules import load_rules
    from fugong.risk.services import store_publications

    rule_set = load_rules(rules)
    grades = []
    for code, level in levels.items():
        lv = rule_set.level(level)
        grades.append({"region_code": code, "name": code, "level": level, "severity": lv.severity, "colour": lv.colour,
                       "score": None, "reasons_zh": [], "reasons_en": []})
    store_publications(session, [Publication(rule_set.name, day, grades, {})], principal=SYSTEM)


def person(session, n: int, *, colour: str | None = "green", region: str = "330110", day: dt.date = D(2020, 2, 1)):
    """A health-code person with a valid ID number; returns (person, id number)."""
    from fugong.healthcode.lifecycle import set_colour
    from fugong.healthcode.people import register_person
    from tests.healthcode.helpers import make_id

    id_number = make_id(n, region)
    someone = register_person(session, SYSTEM, name=f"员工{n}", phone=f"13{n:09d}", id_number=id_number,
                              region_code=region)
    if colour:
        set_colour(session, someone, colour=colour, reason_code="declared_normal", actor="system:test", day=day)
    return someone, id_number


def staff(session, enterprise_id: str, n: int = 10, *, day: dt.date, safety_manager: bool = True, prefix: str = "A",
          start: int = 1, colour: str | None = "green"):
    """``n`` employees on site, linked to health-code people of ``colour``; the first is the safety manager."""
    made = []
    for i in range(n):
        _, id_number = person(session, start + i, colour=colour, day=day)
        employee, _ = upsert_employee(session, SYSTEM, enterprise_id=enterprise_id, effective_on=day,
                                      employee_no=f"{prefix}{i:03d}", name=f"员工{i}", post="操作工" if i else "安全主管",
                                      certificate="safety_manager" if (i == 0 and safety_manager) else None,
                                      status="on_site", id_number=id_number)
        made.append(employee)
    return made


def policy_file(tmp_path: Path, preset: str, **replace: str) -> Path:
    """A copy of a preset with lines replaced ({"rate = 0.10": "rate = 1.0"}), as a deployer would edit it."""
    from fugong.resumption.policies import PRESETS

    text = (PRESETS / f"{preset}.toml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / f"{preset}-edited.toml"
    path.write_text(text, encoding="utf-8")
    return path
