"""The resumption workflow's jobs (run by the scheduler in ``fugong serve`` or ``fugong jobs run``).

    resumption.confirm_provisional   a commitment approval not sampled is confirmed when due
    resumption.safety_check          a linked employee's health code turned yellow or red (queued in
                                     the colour change's own transaction by the hook below)
    resumption.freeze_report         the daily report: frozen at FUGONG_REPORT_FREEZE_HOUR on the day
                                     ("first"), re-checked the next day at the same hour ("recheck":
                                     a late correction becomes version 2, version 1 stays)
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, select

from fugong.workflow import jobs


@jobs.handler("resumption.confirm_provisional")
def _confirm(session, job):
    from fugong.resumption.filings import confirm_provisional

    return {"outcome": confirm_provisional(session, filing_id=job.payload["filing"])}


@jobs.handler("resumption.safety_check")
def _safety(session, job):
    from fugong.resumption.safety import check_enterprise

    return {"moved": check_enterprise(session, enterprise_id=job.payload["enterprise"])}


@jobs.handler("resumption.freeze_report")
def _freeze(session, job):
    from fugong.config import get_settings
    from fugong.resumption.report import freeze_day

    day = dt.date.fromisoformat(job.payload["day"])
    tag = job.payload.get("tag") or "first"
    version, created = freeze_day(session, day=day, settings=get_settings(),
                                  reason="frozen" if tag == "first" else "late correction (next-day re-check)")
    return {"version": version, "created": created}


@jobs.recurring
def _daily(settings):
    hour = getattr(settings, "report_freeze_hour", 20) if settings is not None else 20
    return [jobs.Recurring(kind="resumption.freeze_report", hour=hour, tag="first"),
            jobs.Recurring(kind="resumption.freeze_report", hour=hour, offset_days=-1, tag="recheck")]


def install_colour_hook() -> None:
    """Queue a safety check when a health-code person linked to a roster turns yellow or red.

    A mapper event on the health code's colour events: it runs inside the colour change's flush, so
    the job is queued in the same transaction (no colour change without its check, no check for a
    change rolled back). Idempotent per colour event (the job key names it)."""
    from fugong.healthcode.models import ColourEvent

    if event.contains(ColourEvent, "after_insert", _after_colour_event):
        return
    event.listen(ColourEvent, "after_insert", _after_colour_event)


def _after_colour_event(mapper, connection, target) -> None:
    if target.to_colour not in ("yellow", "red"):
        return
    from fugong.resumption.models import Employee
    from fugong.workflow.models import Job

    enterprises = connection.execute(select(Employee.enterprise_id).where(Employee.person_id == target.person_id)
                                     .distinct()).scalars().all()
    now = dt.datetime.now(dt.timezone.utc)
    for enterprise_id in enterprises:
        connection.execute(Job.__table__.insert().values(
            kind="resumption.safety_check", key=f"safety:{enterprise_id}:colour-event:{target.id}", due_at=now,
            payload={"enterprise": enterprise_id, "person": target.person_id}, status="pending", attempts=0,
            max_attempts=5, created_at=now))


install_colour_hook()
