"""Declarations (GB/T 38962-2020 data items) and the initial colour they give.

Only epidemic items are collected (purpose limitation): current region, 14-day travel by region and
date, symptoms from a fixed list, temperature, contact with a case. A declaration is shaped::

    {"current_region": "330106", "travel": [{"region": "420100", "date": "2020-02-01"}],
     "symptoms": ["cough"], "temperature": 36.6, "contact_with_case": false}
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from fugong.access import AccessDenied, Principal
from fugong.healthcode.lifecycle import current_list_kinds, now, raise_colour, today
from fugong.healthcode.models import Declaration, Person
from fugong.healthcode.people import PERSONAL_DATA_ROLES, person_of
from fugong.healthcode.risklink import severity_from_risk
from fugong.healthcode.rules import Facts, SeverityOf, load_rule_set, reason_text, triggered
from fugong.store.audit import record_change

# Symptoms a person may declare (GB/T 38962-2020 症状 items; 发热 is measured as temperature).
SYMPTOMS: dict[str, tuple[str, str]] = {
    "fatigue": ("乏力", "fatigue"),
    "dry_cough": ("干咳", "dry cough"),
    "cough": ("咳嗽", "cough"),
    "sore_throat": ("咽痛", "sore throat"),
    "nasal_congestion": ("鼻塞", "nasal congestion"),
    "runny_nose": ("流涕", "runny nose"),
    "shortness_of_breath": ("呼吸困难", "shortness of breath"),
    "diarrhoea": ("腹泻", "diarrhoea"),
    "muscle_pain": ("肌肉酸痛", "muscle pain"),
    "loss_of_smell_or_taste": ("嗅觉味觉减退", "loss of smell or taste"),
}
REGION = re.compile(r"^\d{6}$")


class InvalidDeclaration(ValueError):
    """A declaration field is invalid; the message names the field."""


def validate_temperature(value: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InvalidDeclaration(f"temperature {value!r} is not a number") from None
    if not 34.0 <= value <= 43.0:
        raise InvalidDeclaration(f"temperature {value} °C is outside 34–43 °C")
    return round(value, 1)


def validate_symptoms(values) -> tuple[str, ...]:
    values = tuple(values or ())
    if bad := [v for v in values if v not in SYMPTOMS]:
        raise InvalidDeclaration(f"symptoms: {bad[0]!r} is not one of {', '.join(SYMPTOMS)}")
    return tuple(sorted(set(values)))


def validate_travel(items, *, day: dt.date) -> list[dict]:
    travel = []
    for i, item in enumerate(items or (), start=1):
        region = str(item.get("region", ""))
        if not REGION.match(region):
            raise InvalidDeclaration(f"travel[{i}].region {region!r} is not a six-digit GB/T 2260 code")
        try:
            when = dt.date.fromisoformat(str(item.get("date")))
        except ValueError:
            raise InvalidDeclaration(f"travel[{i}].date {item.get('date')!r} is not YYYY-MM-DD") from None
        if when > day or when < day - dt.timedelta(days=14):
            raise InvalidDeclaration(f"travel[{i}].date {when} is not within the 14 days before {day}")
        travel.append({"region": region, "date": when.isoformat()})
    return travel


def declare(
    session: Session,
    principal: Principal,
    *,
    current_region: str,
    temperature: float,
    symptoms: list[str] | tuple[str, ...] = (),
    travel: list[dict] | tuple[dict, ...] = (),
    contact_with_case: bool = False,
    person_id: str | None = None,
    day: dt.date | None = None,
    severity_of: SeverityOf | None = None,
) -> dict:
    """Submit a declaration; the first gives the initial colour (the highest triggered), later ones may raise it."""
    if principal.role == "person":
        person = person_of(session, principal)
    elif principal.role == "system" and person_id:
        person = session.get(Person, person_id)
        if person is None:
            raise LookupError(f"no person {person_id}")
    else:
        raise AccessDenied(f"{principal.actor} may not declare for a person")
    day = day or today()
    if not REGION.match(str(current_region)):
        raise InvalidDeclaration(f"current_region {current_region!r} is not a six-digit GB/T 2260 code")
    declaration = Declaration(
        person_id=person.id, declared_on=day, current_region=str(current_region),
        travel=validate_travel(travel, day=day), symptoms=list(validate_symptoms(symptoms)),
        temperature=validate_temperature(temperature), contact_with_case=bool(contact_with_case),
        found_false=False, created_at=now(),
    )
    session.add(declaration)
    session.flush()
    record_change(session, actor=principal.actor, action="healthcode.declare", entity="hc_declaration",
                  entity_id=str(declaration.id), region_code=person.region_code, after={"person": person.id, "day": day})
    hits = triggered(load_rule_set(person.rule_set), facts_of(session, person, declaration),
                     severity_of or severity_from_risk(session))
    raise_colour(session, person, hits, actor=principal.actor, day=day)
    return {"declaration": declaration.id, "colour": person.colour, "reason": reason_text(person.reason_code),
            "triggered": [{"colour": c, **reason_text(r)} for c, r in hits]}


def facts_of(session: Session, person: Person, declaration: Declaration) -> Facts:
    day = declaration.declared_on
    return Facts(
        lists=current_list_kinds(session, person.id_hash, day),
        temperature=declaration.temperature,
        symptoms=tuple(declaration.symptoms),
        contact_with_case=declaration.contact_with_case,
        false_declaration=declaration.found_false,
        travel=tuple((t["region"], dt.date.fromisoformat(t["date"])) for t in declaration.travel),
        on=day,
    )


def mark_false(session: Session, principal: Principal, *, declaration_id: int, reason: str,
               day: dt.date | None = None) -> dict:
    """An officer finds a declaration false (e.g. travel hidden): the person's code turns red."""
    if principal.role not in PERSONAL_DATA_ROLES:
        raise AccessDenied(f"{principal.actor} may not judge declarations")
    if not reason or not reason.strip():
        raise InvalidDeclaration("a false-declaration finding needs a written reason")
    declaration = session.get(Declaration, declaration_id)
    if declaration is None:
        raise LookupError(f"no declaration {declaration_id}")
    person = session.get(Person, declaration.person_id)
    principal.require_region(person.region_code)
    declaration.found_false = True
    record_change(session, actor=principal.actor, action="healthcode.declaration.false", entity="hc_declaration",
                  entity_id=str(declaration.id), region_code=person.region_code,
                  before={"found_false": False}, after={"found_false": True}, reason=reason)
    hits = triggered(load_rule_set(person.rule_set), Facts(false_declaration=True))
    if hits:
        raise_colour(session, person, hits, actor=principal.actor, day=day or today())
    return {"declaration": declaration.id, "colour": person.colour}
