"""The colour lifecycle: raising on triggers, daily check-ins, recovery, events with reason codes.

Shape of the state: ``Person.colour`` with ``colour_since`` (the day it was given) and
``reason_code``; every change appends a ``ColourEvent`` and an audit entry, and revokes the
person's earlier tokens (a screenshot of a green code must not outlive a turn to red).

Recovery (rules.Recovery): the run of consecutive normal daily check-ins ending today, counted on
days after the colour was given (and, with ``after_list_end``, after the last list entry ended).
A missed day or an abnormal check-in ends the run, so the count restarts. Check-ins never lower a
colour that a current list entry still triggers.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, Principal
from fugong.config import TIMEZONE
from fugong.healthcode.models import RANK, CheckIn, ColourEvent, ListEntry, Person, Revocation
from fugong.healthcode.rules import Facts, highest, load_rule_set, reason_text, triggered
from fugong.store.audit import record_change

TZ = ZoneInfo(TIMEZONE)


def now() -> dt.datetime:
    return dt.datetime.now(TZ)


def today() -> dt.date:
    return now().date()


def current_list_kinds(session: Session, id_hash: str, on: dt.date) -> frozenset[str]:
    """Kinds of list entries current on a day: started, and not yet ended (cured or released)."""
    rows = session.scalars(
        select(ListEntry.kind).where(
            ListEntry.id_hash == id_hash,
            ListEntry.start_date <= on,
            (ListEntry.end_date.is_(None)) | (ListEntry.end_date > on),
        )
    )
    return frozenset(rows)


def last_list_end(session: Session, id_hash: str, on: dt.date) -> dt.date | None:
    return session.scalar(
        select(func.max(ListEntry.end_date)).where(ListEntry.id_hash == id_hash, ListEntry.end_date <= on)
    )


def set_colour(
    session: Session, person: Person, *, colour: str, reason_code: str, actor: str,
    day: dt.date, at: dt.datetime | None = None,
) -> ColourEvent | None:
    """Change the colour (no-op if unchanged): event + audit + revocation of earlier tokens."""
    if person.colour == colour:
        return None
    at = at or now()
    before = {"colour": person.colour, "reason": person.reason_code}
    event = ColourEvent(person_id=person.id, at=at, day=day, from_colour=person.colour, to_colour=colour,
                        reason_code=reason_code, actor=actor)
    session.add(event)
    person.colour, person.colour_since, person.reason_code = colour, day, reason_code
    session.add(Revocation(code_id=person.code_id, issued_until=int(at.timestamp()), keep_colour=colour,
                           reason=f"colour:{colour}", at=at))
    record_change(session, actor=actor, action="healthcode.colour.change", entity="hc_person", entity_id=person.id,
                  region_code=person.region_code, before=before, after={"colour": colour, "reason": reason_code})
    session.flush()
    return event


def raise_colour(
    session: Session, person: Person, hits: list[tuple[str, str]], *, actor: str, day: dt.date,
) -> ColourEvent | None:
    """Give the first colour, or raise to the highest triggered one; never lowers."""
    colour, reason = highest(hits)
    if person.colour is None or RANK[colour] > RANK[person.colour]:
        return set_colour(session, person, colour=colour, reason_code=reason, actor=actor, day=day)
    return None


def apply_lists(session: Session, person: Person, *, actor: str, day: dt.date) -> ColourEvent | None:
    """Raise a person's colour for their current list entries (also before any declaration)."""
    rule_set = load_rule_set(person.rule_set)
    hits = triggered(rule_set, Facts(lists=current_list_kinds(session, person.id_hash, day)))
    if not hits:
        return None
    return raise_colour(session, person, hits, actor=actor, day=day)


def normal_run(session: Session, person_id: str, *, ending: dt.date, after: dt.date) -> int:
    """Consecutive days ending on ``ending`` (and after ``after``) that each have a normal check-in."""
    rows = session.execute(
        select(CheckIn.day, CheckIn.normal)
        .where(CheckIn.person_id == person_id, CheckIn.day > after, CheckIn.day <= ending)
        .order_by(CheckIn.day.desc())
    ).all()
    run, expected = 0, ending
    for day, normal in rows:
        if day != expected or not normal:  # a missed day or an abnormal check-in ends the run
            break
        run += 1
        expected = day - dt.timedelta(days=1)
    return run


def try_recovery(session: Session, person: Person, *, day: dt.date, actor: str) -> ColourEvent | None:
    """Lower the colour one step if the run of normal check-ins is long enough and no list blocks it."""
    if person.colour is None:
        return None
    rule_set = load_rule_set(person.rule_set)
    step = rule_set.recovery_from(person.colour)
    if step is None:
        return None
    list_hits = triggered(rule_set, Facts(lists=current_list_kinds(session, person.id_hash, day)))
    if list_hits and RANK[list_hits[0][0]] > RANK[step.to_colour]:
        return None  # a current list entry still triggers this colour
    after = person.colour_since or day
    if step.after_list_end:
        ended = last_list_end(session, person.id_hash, day)
        if ended is not None and ended > after:
            after = ended
    if normal_run(session, person.id, ending=day, after=after) < step.days:
        return None
    reason = "RECOVERED_AFTER_CURE" if step.after_list_end else "RECOVERED_CHECKINS"
    return set_colour(session, person, colour=step.to_colour, reason_code=reason, actor=actor, day=day)


def check_in(
    session: Session,
    principal: Principal,
    *,
    person_id: str | None = None,
    temperature: float,
    symptoms: list[str] | tuple[str, ...] = (),
    day: dt.date | None = None,
) -> dict:
    """Record a person's daily check-in and apply the rules: may raise (fever, symptoms) or recover.

    A person checks in for themself (``person_id`` from their account); the system (tests, demo)
    may name a person. One check-in per day; a second one the same day is refused.
    """
    from fugong.healthcode.declarations import validate_symptoms, validate_temperature
    from fugong.healthcode.people import person_of

    if principal.role == "person":
        person = person_of(session, principal)
    elif principal.role == "system" and person_id:
        person = session.get(Person, person_id)
        if person is None:
            raise LookupError(f"no person {person_id}")
    else:
        raise AccessDenied(f"{principal.actor} may not check in for a person")
    day = day or today()
    temperature = validate_temperature(temperature)
    symptoms = validate_symptoms(symptoms)
    if session.scalar(select(CheckIn.id).where(CheckIn.person_id == person.id, CheckIn.day == day)):
        raise ValueError(f"already checked in on {day.isoformat()} / 今日已打卡")
    rule_set = load_rule_set(person.rule_set)
    normal = temperature < rule_set.fever_threshold and not symptoms
    session.add(CheckIn(person_id=person.id, day=day, temperature=temperature, symptoms=list(symptoms),
                        normal=normal, created_at=now()))
    session.flush()
    record_change(session, actor=principal.actor, action="healthcode.checkin", entity="hc_person",
                  entity_id=person.id, region_code=person.region_code, after={"day": day, "normal": normal})
    facts = Facts(lists=current_list_kinds(session, person.id_hash, day), temperature=temperature,
                  symptoms=tuple(symptoms), on=day)
    event = raise_colour(session, person, triggered(rule_set, facts), actor=principal.actor, day=day) \
        if person.colour is not None else None
    if event is None and normal:
        event = try_recovery(session, person, day=day, actor=principal.actor)
    return {"day": day, "normal": normal, "colour": person.colour, "reason": reason_text(person.reason_code or "NO_RISK"),
            "changed": event is not None}


def events_of(session: Session, person_id: str) -> list[dict]:
    """The person's colour history, each change with its reason in Chinese and English."""
    rows = session.scalars(select(ColourEvent).where(ColourEvent.person_id == person_id).order_by(ColourEvent.id))
    return [
        {"at": e.at, "day": e.day, "from": e.from_colour, "to": e.to_colour, "reason": reason_text(e.reason_code)}
        for e in rows
    ]
