"""Retention: scans, declarations and check-ins are purged after the retention period.

Purpose limitation is enforced by what is collected (declarations.py: epidemic items only) and by
who may read it (people.require_person_access). ``purge`` deletes rows older than the cut-off day;
colour events (the person's reasons) and the audit log stay, and hold no clear personal data.

    purge(session, SYSTEM, older_than=dt.timedelta(days=28))  -> {"hc_scan": 120, "hc_declaration": 4, ...}
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, Principal
from fugong.healthcode.lifecycle import now, today
from fugong.healthcode.models import CheckIn, Declaration, Revocation, Scan
from fugong.store.audit import record_change

PURGE_ROLES = ("province_admin", "system")


def parse_age(text: str) -> dt.timedelta:
    """'28d' -> 28 days, '4w' -> 28 days, '12h' -> 12 hours."""
    match = re.fullmatch(r"\s*(\d+)\s*([dwh])\s*", text or "")
    if not match:
        raise ValueError(f"{text!r} is not an age such as 28d, 4w or 12h")
    number, unit = int(match.group(1)), match.group(2)
    return {"d": dt.timedelta(days=number), "w": dt.timedelta(weeks=number), "h": dt.timedelta(hours=number)}[unit]


def purge(session: Session, principal: Principal, *, older_than: dt.timedelta, on: dt.date | None = None) -> dict:
    """Delete scans, declarations, check-ins and expired revocations older than the cut-off."""
    if principal.role not in PURGE_ROLES:
        raise AccessDenied(f"{principal.actor} may not purge data")
    if older_than < dt.timedelta(days=1):
        raise ValueError("the retention period must be at least one day")
    cutoff_day = (on or today()) - dt.timedelta(days=older_than.days or 1)
    cutoff_at = now() - older_than if on is None else dt.datetime.combine(cutoff_day, dt.time(), now().tzinfo)
    counts = {}
    for model, column in ((Scan, Scan.day), (Declaration, Declaration.declared_on), (CheckIn, CheckIn.day)):
        counts[model.__tablename__] = session.scalar(select(func.count()).select_from(model).where(column < cutoff_day))
        session.execute(delete(model).where(column < cutoff_day))
    counts["hc_revocation"] = session.scalar(select(func.count()).select_from(Revocation).where(Revocation.at < cutoff_at))
    session.execute(delete(Revocation).where(Revocation.at < cutoff_at))  # tokens live minutes
    record_change(session, actor=principal.actor, action="healthcode.purge", entity="healthcode", entity_id="retention",
                  after={"before_day": cutoff_day, **counts})
    return {"before": cutoff_day, **counts}
