"""Due dates, reminders, escalation and auto-close as jobs of the workflow scheduler.

Dispatching demand D (its n-th dispatch) with due date 2020-02-21 schedules, in the same transaction::

    desk.remind     key desk.remind:D:n      09:00 of the working day(s) before the due date
    desk.escalate   key desk.escalate:D:n:1  09:00 of `head_after_workdays` working days after it → department head
    desk.escalate   key desk.escalate:D:n:2  09:00 of `official_after_workdays` after it → the firm's paired official

and resolving it schedules ``desk.auto_close:D:<transition id>`` (closed if the enterprise neither rates
nor reopens it). The keys make every job once-only (a restart, a second scheduler, a repeated dispatch
call never add another); a handler finds the demand moved on (resolved, re-dispatched — another n) and
does nothing. Effects are transitions and outbox notifications written in the job's transaction, so a
kill in the middle repeats nothing (docs/workflow.md §5). Run by ``fugong serve`` or ``fugong jobs run``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fugong.access import Principal
from fugong.desk import service
from fugong.desk.calendar import add_workdays, closures_of, subtract_workdays
from fugong.desk.models import Demand
from fugong.desk.settings import DeskConfig, load_desk_config
from fugong.workflow import jobs
from fugong.workflow.models import TransitionRow

SCHEDULER = Principal(user_id="scheduler", role="system")
ESCALATABLE = ("dispatched", "in_progress", "escalated")  # awaiting_enterprise: the firm holds the clock
WORK_HOUR = dt.time(9, 0)


def _at(day: dt.date, time: dt.time = WORK_HOUR) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=service.TZ).astimezone(dt.timezone.utc)


def schedule_for_dispatch(session: Session, demand: Demand, *, config: DeskConfig, at: dt.datetime) -> list[str]:
    """Schedule the reminder and the two escalations of the demand's current dispatch; returns the keys."""
    esc, closures = config.escalation, closures_of(config.escalation.closures)
    n = demand.dispatch_count
    plan = [
        ("desk.remind", f"desk.remind:{demand.id}:{n}",
         _at(subtract_workdays(demand.due_on, esc.remind_before_workdays, closures=closures)), {}),
        ("desk.escalate", f"desk.escalate:{demand.id}:{n}:1",
         _at(add_workdays(demand.due_on, esc.head_after_workdays, closures=closures)), {"level": 1}),
        ("desk.escalate", f"desk.escalate:{demand.id}:{n}:2",
         _at(add_workdays(demand.due_on, esc.official_after_workdays, closures=closures)), {"level": 2}),
    ]
    keys = []
    for kind, key, due, extra in plan:
        if kind == "desk.remind" and due < at:
            continue  # due tomorrow already: the dispatch notice is the reminder
        jobs.schedule(session, kind=kind, key=key, due_at=due,
                      payload={"demand": demand.id, "dispatch": n, **extra}, at=at)
        keys.append(key)
    return keys


def schedule_auto_close(session: Session, demand: Demand, *, config: DeskConfig, at: dt.datetime,
                        resolution: int) -> str:
    day = add_workdays(service.local_day(at), config.escalation.auto_close_after_workdays,
                       closures=closures_of(config.escalation.closures))
    key = f"desk.auto_close:{demand.id}:{resolution}"
    jobs.schedule(session, kind="desk.auto_close", key=key, due_at=_at(day, dt.time(20, 0)),
                  payload={"demand": demand.id, "resolution": resolution}, at=at)
    return key


def _current(session: Session, job) -> Demand | None:
    demand = session.get(Demand, job.payload["demand"])
    if demand is None or demand.dispatch_count != job.payload.get("dispatch", demand.dispatch_count):
        return None
    return demand


@jobs.handler("desk.remind")
def remind(session: Session, job) -> dict:
    demand = _current(session, job)
    if demand is None or demand.state not in service.WITH_DEPARTMENT:
        return {"skipped": "moved on"}
    sent = service.notify_users(
        session, service.members_of(session, demand.department), demand, key=f"desk.remind:{job.id}",
        kind="desk.reminder", subject=(f"提醒：D{demand.id:06d} 将于 {demand.due_on:%m-%d} 到期",
                                       f"Reminder: D{demand.id:06d} is due {demand.due_on.isoformat()}"),
        body=(demand.text[:200], demand.text[:200]))
    return {"notified": sent}


@jobs.handler("desk.escalate")
def escalate(session: Session, job) -> dict:
    demand = _current(session, job)
    level = int(job.payload["level"])
    if demand is None or demand.state not in ESCALATABLE:
        return {"skipped": "moved on"}
    if (demand.escalation_level or 0) >= level:
        return {"skipped": f"already at level {demand.escalation_level}"}
    whom = ("承办部门负责人", "department head") if level == 1 else ("结对联系领导", "paired official")
    service.escalate(session, SCHEDULER, demand=demand, level=level,
                     reason=f"逾期未办结（应于 {demand.due_on.isoformat()} 前），督办至{whom[0]} / overdue since "
                            f"{demand.due_on.isoformat()}, escalated to the {whom[1]}")
    return {"escalated": level}


@jobs.handler("desk.auto_close")
def auto_close(session: Session, job) -> dict:
    demand = session.get(Demand, job.payload["demand"])
    if demand is None or demand.state != "resolved":
        return {"skipped": "moved on"}
    latest = session.scalar(select(func.max(TransitionRow.id)).where(
        TransitionRow.machine == service.machine().name, TransitionRow.entity_id == str(demand.id),
        TransitionRow.action == "resolve"))
    if latest != job.payload["resolution"]:
        return {"skipped": "resolved again since"}
    service.close(session, SCHEDULER, demand_id=demand.id, reason="企业未评价，自动办结 / closed without a rating")
    return {"closed": demand.id}


@jobs.handler("desk.freeze_round")
def freeze_round(session: Session, job) -> dict:
    """Freeze a closed round's funnel (docs/desk.md "Collection rounds and the funnel"); the recheck
    the next evening stores a new version only if a late correction changed it."""
    from fugong.desk import rounds

    result = rounds.freeze_round(session, round_id=int(job.payload["round"]), actor="system:scheduler")
    if result is None:
        return {"skipped": "round not closed"}
    version, created = result
    return {"version": version, "created": created}


# --- due-date lists ------------------------------------------------------------------------------------

def due_lists(session: Session, principal: Principal, *, department: str | None = None, today: dt.date,
              config: DeskConfig | None = None, limit: int = 50) -> dict:
    """Overdue and soon-due (within ``remind_before_workdays``) open demands the principal may read,
    of one department or all, oldest due first: {"overdue": {"count", "demands"}, "soon": {…}}."""
    config = config or load_desk_config()
    horizon = add_workdays(today, max(1, config.escalation.remind_before_workdays),
                           closures=closures_of(config.escalation.closures))
    base = [service.scope_filter(session, principal), Demand.state.in_(service.WITH_DEPARTMENT),
            Demand.due_on.is_not(None)]
    if department:
        base.append(Demand.department == department)
    out = {}
    for name, condition in (("overdue", Demand.due_on < today),
                            ("soon", (Demand.due_on >= today) & (Demand.due_on <= horizon))):
        count = session.scalar(select(func.count()).select_from(Demand).where(*base, condition)) or 0
        rows = session.scalars(select(Demand).where(*base, condition).order_by(Demand.due_on, Demand.id).limit(limit))
        out[name] = {"count": count, "demands": list(rows)}
    out["horizon"] = horizon
    return out
