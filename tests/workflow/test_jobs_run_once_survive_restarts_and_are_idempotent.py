"""Jobs live in the database with a due time and an idempotency key: scheduled once per key, run
once when due, their effects and their done-mark committed together; a failing handler is retried
with back-off, then kept as dead; a runner killed mid-job leaves the job to be run again in full."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from fugong.store.db import session_scope
from fugong.workflow import jobs
from fugong.workflow.models import Job
from tests.support.processes import finish, kill, spawn, wait_for
from tests.workflow.handlers import Effect  # registers the handlers and their table first
from tests.workflow.entities import create_tables



def _now() -> dt.datetime:
    # Read when a test runs, not when it is collected: in a long suite a test can start many minutes
    # after collection, and back-off and lease times count from the real clock.
    return dt.datetime.now(dt.timezone.utc)


@pytest.fixture
def db(engine):
    create_tables(engine)
    return engine


def _schedule(engine, key, kind="test.effect", due=None, **payload):
    with session_scope(engine) as session:
        return jobs.schedule(session, kind=kind, key=key, due_at=due or _now() - dt.timedelta(seconds=1),
                             payload=payload or None)


def _effects(engine):
    with session_scope(engine) as session:
        return sorted(session.scalars(select(Effect.job_key)))


def _job(engine, key):
    with session_scope(engine) as session:
        job = session.scalar(select(Job).where(Job.key == key))
        session.expunge(job)
        return job


def test_a_key_is_scheduled_once_and_run_once(db):
    assert _schedule(db, "a") is True
    assert _schedule(db, "a") is False
    assert _schedule(db, "later", due=_now() + dt.timedelta(hours=1)) is True
    summary = jobs.run_due(db, worker="w1")
    assert summary.done == 1 and _effects(db) == ["a"]
    assert jobs.run_due(db, worker="w1").done == 0  # done jobs and jobs not yet due stay put
    assert _job(db, "a").status == "done" and _job(db, "a").result == {"done": "a"}
    assert jobs.run_due(db, worker="w1", now=_now() + dt.timedelta(hours=2)).done == 1
    assert _effects(db) == ["a", "later"]


def test_a_failing_job_is_retried_with_backoff_then_dead_and_its_effects_roll_back(db):
    with session_scope(db) as session:
        jobs.schedule(session, kind="test.fail", key="f", due_at=_now() - dt.timedelta(seconds=1), max_attempts=2)
    first = jobs.run_due(db, worker="w1")
    assert first.failed == 1 and "the handler failed" in first.errors[0]
    job = _job(db, "f")
    assert (job.status, job.attempts) == ("pending", 1)
    assert jobs.run_due(db, worker="w1").failed == 0  # backing off
    assert jobs.run_due(db, worker="w1", now=_now() + dt.timedelta(minutes=5)).dead == 1
    assert _job(db, "f").status == "dead" and _effects(db) == []


RUN = """
import os
from fugong.store.db import connect
from fugong.workflow import jobs
import tests.workflow.handlers
summary = jobs.run_due(connect(os.environ["DB"]), worker=os.environ["WHO"])
print(summary.done)
"""


def test_two_runners_at_once_run_every_job_exactly_once(db, db_url):
    for n in range(30):
        _schedule(db, f"job-{n:02d}")
    runners = [spawn(RUN, DB=db_url, WHO=f"w{i}") for i in range(2)]
    done = sum(int(finish(p)) for p in runners)
    assert done == 30 and _effects(db) == [f"job-{n:02d}" for n in range(30)]


def test_a_runner_killed_mid_job_leaves_the_job_to_run_again_in_full(db, db_url, tmp_path):
    marker = tmp_path / "running"
    _schedule(db, "slow", pause_marker=str(marker))
    child = spawn(RUN, DB=db_url, WHO="doomed")
    wait_for(marker, child)
    kill(child)
    assert _effects(db) == [] and _job(db, "slow").status == "running"  # claimed, effects rolled back
    with session_scope(db) as session:  # the restarted job must not pause again
        session.scalar(select(Job).where(Job.key == "slow")).payload = {}
    assert jobs.run_due(db, worker="w2").done == 0  # the dead runner's claim has not expired yet
    later = _now() + dt.timedelta(minutes=30)
    assert jobs.run_due(db, worker="w2", now=later).done == 1
    assert _effects(db) == ["slow"] and _job(db, "slow").status == "done"


def test_recurring_rules_schedule_each_day_once(db, monkeypatch):
    rule = jobs.Recurring(kind="test.effect", hour=20, tag="first")
    monkeypatch.setattr(jobs, "RECURRING", [lambda settings: [rule]])  # this rule alone
    now = _now()
    with session_scope(db) as session:
        assert jobs.ensure_recurring(session, settings=None, now=now) == 2  # today and tomorrow
        assert jobs.ensure_recurring(session, settings=None, now=now) == 0
    with session_scope(db) as session:
        due = session.scalar(select(func.min(Job.due_at)).where(Job.kind == "test.effect"))
    due = due if due.tzinfo else due.replace(tzinfo=dt.timezone.utc)
    assert due.astimezone(jobs.TZ).hour == 20
