"""Jobs in the database: due times, idempotency keys, run exactly once, surviving restarts.

A domain registers a handler and schedules jobs in the same transaction as the change that needs
them (a filing's inspection due date, tonight's report freeze)::

    from fugong.workflow import jobs

    @jobs.handler("resumption.confirm_provisional")
    def confirm(session, job):            # runs inside the job's transaction
        ...                               # returns a small JSON-able result (or None)

    jobs.schedule(session, kind="resumption.confirm_provisional", key=f"confirm:{filing.id}",
                  due_at=now + dt.timedelta(days=7), payload={"filing": filing.id})

``schedule`` is idempotent: a key is scheduled once, ever (a second call returns False). Recurring
work (a daily freeze at 20:00) is a ``Recurring`` rule that the scheduler turns into keyed jobs
("resumption.daily@2020-02-11/first"), so a restart or a second scheduler never makes two.

``run_due(engine, worker=…)`` runs due jobs one by one:

1. claim a job in a short transaction (``status = running``, ``claimed_by``, ``claimed_until``);
2. in ONE transaction: mark it ``done`` (only if still claimed by this worker — on PostgreSQL the row
   stays locked until commit) and run the handler; commit. The handler's effects and the ``done``
   mark commit together, so a kill in the middle rolls both back; the claim then expires and the
   job runs again in full. A handler error rolls back its effects, counts the attempt and retries
   with back-off; after ``max_attempts`` the job is ``dead`` (listed by ``fugong jobs list``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session

from fugong.config import TIMEZONE
from fugong.store.db import session_scope, write_lock
from fugong.workflow.models import Job
from fugong.workflow.sql import insert_or_skip

TZ = ZoneInfo(TIMEZONE)
Handler = Callable[[Session, Job], "dict | None"]
HANDLERS: dict[str, Handler] = {}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind``."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def schedule(session: Session, *, kind: str, key: str, due_at: dt.datetime, payload: dict | None = None,
             max_attempts: int = 5, at: dt.datetime | None = None) -> bool:
    """Add a job unless one with ``key`` exists; True if added. Commits with the caller's transaction."""
    if session.scalar(select(Job.id).where(Job.key == key)) is not None:
        return False
    # ON CONFLICT DO NOTHING: another transaction adding the same key meanwhile is not an error.
    return insert_or_skip(session, Job, dict(kind=kind, key=key, due_at=due_at.astimezone(dt.timezone.utc),
                                             payload=payload, status="pending", attempts=0, max_attempts=max_attempts,
                                             created_at=(at or _now()).astimezone(dt.timezone.utc)), ("key",))


def schedule_many(session: Session, jobs: list[dict], *, max_attempts: int = 5, at: dt.datetime | None = None) -> None:
    """``schedule`` for many jobs in one statement (dicts of kind, key, due_at, payload); keys that
    exist are skipped (INSERT … ON CONFLICT DO NOTHING)."""
    from fugong.workflow.sql import insert_many_or_skip

    created = (at or _now()).astimezone(dt.timezone.utc)
    insert_many_or_skip(session, Job, [dict(kind=j["kind"], key=j["key"], due_at=j["due_at"].astimezone(dt.timezone.utc),
                                            payload=j.get("payload"), status="pending", attempts=0,
                                            max_attempts=max_attempts, created_at=created) for j in jobs], ("key",))


@dataclass(frozen=True)
class Recurring:
    """A daily job at a local time: the scheduler keeps the next occurrences scheduled.

    ``key_of(day)`` and ``payload_of(day)`` make the job of a day; ``offset_days`` shifts the day the
    job is about from the day it runs (a re-check of yesterday at today's hour: offset_days=-1).
    """

    kind: str
    hour: int
    minute: int = 0
    offset_days: int = 0
    tag: str = ""

    def key(self, day: dt.date) -> str:
        return f"{self.kind}@{day.isoformat()}{'/' + self.tag if self.tag else ''}"

    def due(self, day: dt.date) -> dt.datetime:
        run_day = day - dt.timedelta(days=self.offset_days)
        return dt.datetime.combine(run_day, dt.time(self.hour, self.minute), tzinfo=TZ).astimezone(dt.timezone.utc)


RECURRING: list[Callable[[object], list[Recurring]]] = []  # each gives the rules for the settings


def recurring(factory: Callable[[object], list[Recurring]]) -> Callable[[object], list[Recurring]]:
    """Register a factory ``settings -> [Recurring, …]`` (so hours can come from configuration)."""
    RECURRING.append(factory)
    return factory


def ensure_recurring(session: Session, *, settings, now: dt.datetime | None = None, days_ahead: int = 1) -> int:
    """Schedule today's and the next ``days_ahead`` days' occurrences of every recurring rule."""
    now = now or _now()
    today = now.astimezone(TZ).date()
    added = 0
    for factory in RECURRING:
        for rule in factory(settings):
            for offset in range(0, days_ahead + 1):
                run_day = today + dt.timedelta(days=offset)
                day = run_day + dt.timedelta(days=rule.offset_days)
                added += schedule(session, kind=rule.kind, key=rule.key(day), due_at=rule.due(day),
                                  payload={"day": day.isoformat(), "tag": rule.tag})
    return added


@dataclass
class RunSummary:
    done: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def _claim_one(engine: Engine, *, worker: str, now: dt.datetime, lease: dt.timedelta,
               kinds: tuple[str, ...] | None) -> int | None:
    free = or_(Job.status == "pending", (Job.status == "running") & (Job.claimed_until < now))
    with write_lock(engine), session_scope(engine) as session:
        query = select(Job.id).where(free, Job.due_at <= now).order_by(Job.due_at, Job.id).limit(1)
        if kinds:
            query = query.where(Job.kind.in_(kinds))
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job_id = session.scalar(query)
        if job_id is None:
            return None
        result = session.execute(update(Job).where(Job.id == job_id, free)
                                 .values(status="running", claimed_by=worker, claimed_until=now + lease)
                                 .execution_options(synchronize_session=False))
        return job_id if result.rowcount == 1 else None


def run_one(engine: Engine, job_id: int, *, worker: str, summary: RunSummary, settings=None) -> None:
    """Run a claimed job: handler and done-mark in one transaction (see the module docstring)."""
    error = None
    try:
        with write_lock(engine), session_scope(engine) as session:
            marked = session.execute(update(Job).where(Job.id == job_id, Job.claimed_by == worker,
                                                       Job.status == "running")
                                     .values(status="done", finished_at=_now(), last_error=None)
                                     .execution_options(synchronize_session=False))
            if marked.rowcount != 1:
                summary.skipped += 1
                return
            job = session.get(Job, job_id)
            session.refresh(job)
            fn = HANDLERS.get(job.kind)
            if fn is None:
                raise LookupError(f"no handler registered for job kind {job.kind!r}")
            job.result = fn(session, job)
            job.attempts += 1
        summary.done += 1
    except Exception as exc:  # noqa: BLE001 - recorded and retried
        error = f"{exc.__class__.__name__}: {exc}"[:1000]
    if error is None:
        return
    summary.errors.append(f"job {job_id}: {error}")
    with write_lock(engine), session_scope(engine) as session:
        job = session.get(Job, job_id)
        if job is None or job.claimed_by != worker or job.status != "running":
            return
        job.attempts += 1
        job.last_error = error
        job.claimed_by, job.claimed_until = None, None
        if job.attempts >= job.max_attempts:
            job.status = "dead"
            summary.dead += 1
        else:
            job.status = "pending"
            job.due_at = _now() + min(dt.timedelta(minutes=2 ** (job.attempts - 1)), dt.timedelta(hours=1))
            summary.failed += 1


def run_due(engine: Engine, *, worker: str, now: dt.datetime | None = None, limit: int = 100,
            lease: dt.timedelta = dt.timedelta(minutes=10), kinds: tuple[str, ...] | None = None,
            settings=None) -> RunSummary:
    """Run up to ``limit`` due jobs (oldest due first); returns what happened."""
    summary = RunSummary()
    for _ in range(limit):
        job_id = _claim_one(engine, worker=worker, now=now or _now(), lease=lease, kinds=kinds)
        if job_id is None:
            break
        run_one(engine, job_id, worker=worker, summary=summary, settings=settings)
    return summary


def list_jobs(session: Session, *, status: str | None = None, limit: int = 100) -> list[dict]:
    query = select(Job).order_by(Job.due_at.desc(), Job.id.desc()).limit(limit)
    if status:
        query = query.where(Job.status == status)
    return [{"id": j.id, "kind": j.kind, "key": j.key, "due_at": _aware(j.due_at).isoformat(), "status": j.status,
             "attempts": j.attempts, "last_error": j.last_error, "result": j.result} for j in session.scalars(query)]
