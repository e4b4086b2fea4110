"""Appeals (a person contests their colour) and manual overrides (two different officers + legal basis).

An appeal is filed by the person and decided by a reviewer with a written reason. Upholding an
appeal does not change the colour by itself: it opens an override request (the reviewer is the
first person), which a second, different authorised user must approve (GB/T 38963-2020's
correction interface; DESIGN.md §2: two-person approval with a logged legal basis).

    appeal = file_appeal(s, person_principal, statement="我未去过武汉")
    decide_appeal(s, reviewer, appeal_id=appeal.id, uphold=True, reason="行程记录有误", to_colour="green")
    approve_override(s, second_officer, override_id=...)   # the colour changes here, audited
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, Principal
from fugong.healthcode.lifecycle import now, set_colour, today
from fugong.healthcode.models import COLOURS, Appeal, Override, Person
from fugong.healthcode.people import person_of
from fugong.store.audit import record_change

REVIEWER_ROLES = ("officer", "province_admin")


class TwoPersonRuleViolated(PermissionError):
    """The approver of an override is the user who requested it."""


def _reviewer(session: Session, principal: Principal, person_id: str) -> Person:
    if principal.role not in REVIEWER_ROLES:
        raise AccessDenied(f"{principal.actor} may not review codes")
    person = session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person {person_id}")
    principal.require_region(person.region_code)
    return person


def file_appeal(session: Session, principal: Principal, *, statement: str) -> Appeal:
    """The person contests their current colour, with a statement."""
    person = person_of(session, principal)
    if person.colour is None:
        raise ValueError("no colour to contest yet")
    if not statement or not statement.strip():
        raise ValueError("an appeal needs a statement / 请填写申诉理由")
    appeal = Appeal(person_id=person.id, contested_colour=person.colour, statement=statement.strip(),
                    status="open", filed_at=now())
    session.add(appeal)
    session.flush()
    record_change(session, actor=principal.actor, action="healthcode.appeal.file", entity="hc_appeal",
                  entity_id=str(appeal.id), region_code=person.region_code, after={"colour": person.colour})
    return appeal


def my_appeals(session: Session, principal: Principal) -> list[Appeal]:
    person = person_of(session, principal)
    return list(session.scalars(select(Appeal).where(Appeal.person_id == person.id).order_by(Appeal.id)))


def open_appeals(session: Session, principal: Principal) -> list[Appeal]:
    """Open appeals in the reviewer's region."""
    if principal.role not in REVIEWER_ROLES:
        raise AccessDenied(f"{principal.actor} may not review codes")
    rows = session.execute(select(Appeal, Person.region_code).join(Person, Person.id == Appeal.person_id)
                           .where(Appeal.status == "open").order_by(Appeal.id)).all()
    return [a for a, region in rows if principal.can_see_region(region)]


def decide_appeal(session: Session, principal: Principal, *, appeal_id: int, uphold: bool, reason: str,
                  to_colour: str | None = None) -> Appeal:
    """Decide an appeal with a written reason; upholding it opens an override needing a second approver."""
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise LookupError(f"no appeal {appeal_id}")
    person = _reviewer(session, principal, appeal.person_id)
    if appeal.status != "open":
        raise ValueError(f"appeal {appeal_id} is already {appeal.status}")
    if not reason or not reason.strip():
        raise ValueError("a decision needs a written reason / 请填写决定理由")
    appeal.status = "upheld" if uphold else "rejected"
    appeal.decided_by, appeal.decided_at, appeal.decision_reason = principal.actor, now(), reason.strip()
    record_change(session, actor=principal.actor, action="healthcode.appeal.decide", entity="hc_appeal",
                  entity_id=str(appeal.id), region_code=person.region_code,
                  before={"status": "open"}, after={"status": appeal.status}, reason=reason)
    if uphold:
        override = request_override(session, principal, person_id=person.id, to_colour=to_colour or "green",
                                    legal_basis=f"申诉 #{appeal.id} 成立 / appeal upheld: {reason.strip()}")
        appeal.override_id = override.id
    session.flush()
    return appeal


def request_override(session: Session, principal: Principal, *, person_id: str, to_colour: str,
                     legal_basis: str) -> Override:
    """First of the two people: ask for a manual colour change, citing the legal basis."""
    person = _reviewer(session, principal, person_id)
    if to_colour not in COLOURS:
        raise ValueError(f"colour {to_colour!r} is not one of {', '.join(COLOURS)}")
    if not legal_basis or len(legal_basis.strip()) < 4:
        raise ValueError("a manual change needs its legal basis / 请填写法律依据")
    override = Override(person_id=person.id, to_colour=to_colour, legal_basis=legal_basis.strip(), status="pending",
                        requested_by=principal.actor, requested_at=now())
    session.add(override)
    session.flush()
    record_change(session, actor=principal.actor, action="healthcode.override.request", entity="hc_override",
                  entity_id=str(override.id), region_code=person.region_code,
                  after={"person": person.id, "to": to_colour}, reason=legal_basis)
    return override


def approve_override(session: Session, principal: Principal, *, override_id: int, approve: bool = True,
                     day: dt.date | None = None) -> Override:
    """Second person: approve (the colour changes) or reject; must differ from the requester."""
    override = session.get(Override, override_id)
    if override is None:
        raise LookupError(f"no override {override_id}")
    person = _reviewer(session, principal, override.person_id)
    if override.status != "pending":
        raise ValueError(f"override {override_id} is already {override.status}")
    if principal.actor == override.requested_by or principal.user_id == override.requested_by.split(":", 1)[-1]:
        raise TwoPersonRuleViolated("a manual change needs a second, different user / 需第二人审核")
    override.status = "approved" if approve else "rejected"
    override.decided_by, override.decided_at = principal.actor, now()
    record_change(session, actor=principal.actor, action="healthcode.override.decide", entity="hc_override",
                  entity_id=str(override.id), region_code=person.region_code, before={"status": "pending"},
                  after={"status": override.status, "requested_by": override.requested_by},
                  reason=override.legal_basis)
    if approve:
        set_colour(session, person, colour=override.to_colour, reason_code="MANUAL_OVERRIDE",
                   actor=f"{override.requested_by}+{principal.actor}", day=day or today())
    session.flush()
    return override


def pending_overrides(session: Session, principal: Principal) -> list[dict]:
    """Manual changes waiting for their second officer, in the reviewer's region (masked person)::

        [{"id": 3, "person_id": "P…", "person": {"name": "张*", "id": "3301**********1234", …},
          "from_colour": "red", "to_colour": "green", "legal_basis": "…", "requested_by": "officer:li",
          "requested_at": datetime, "mine": False}]

    ``mine``: requested by the caller, who may not approve it (two-person rule).
    """
    from fugong.healthcode.people import masked

    if principal.role not in REVIEWER_ROLES:
        raise AccessDenied(f"{principal.actor} may not review codes")
    rows = session.execute(select(Override, Person).join(Person, Person.id == Override.person_id)
                           .where(Override.status == "pending").order_by(Override.id)).all()
    return [{"id": o.id, "person_id": p.id, "person": masked(p), "from_colour": p.colour, "to_colour": o.to_colour,
             "legal_basis": o.legal_basis, "requested_by": o.requested_by, "requested_at": o.requested_at,
             "mine": o.requested_by == principal.actor}
            for o, p in rows if principal.can_see_region(p.region_code)]
