"""An overdue demand is escalated to the department head, then to the firm's paired official, by jobs of
the workflow scheduler: a reminder before the due date, each escalation exactly once — also when the
scheduler that claimed the job died and another took over, and when ticks repeat."""

import datetime as dt

from sqlalchemy import func, select

from fugong.config import load_settings
from fugong.desk import deadlines, pairing, service
from fugong.store.db import session_scope
from fugong.workflow import jobs, outbox, scheduler
from fugong.workflow.models import Job, Notification, TransitionRow
from tests.desk.helpers import CONTACT, SYSTEM, TRIAGE, at, build_world


def _tick(engine, settings, holder, now):
    return scheduler.tick(engine, settings=settings, holder=holder, lease_seconds=60, now=now)


def test_escalation_to_the_head_then_the_paired_official_survives_a_restart(engine, tmp_path):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path / "data")})
    with session_scope(engine) as session:
        build_world(session)
        pairing.pair(session, SYSTEM, enterprise_id="E-WH-2", username="wh-leader-1", layer="leader", unit_code="WH-FGW")
        demand = service.submit_demand(session, CONTACT, enterprise_id="E-WH-2", category="logistics",
                                       text="原材料运输车辆无法进入园区", at=at("2020-02-11"))
        service.triage(session, TRIAGE, demand_id=demand.id, at=at("2020-02-12"))
        demand_id, due = demand.id, demand.due_on
    assert due == dt.date(2020, 2, 14)  # Wed + 2 working days

    # The day before: the reminder goes to the department.
    first = scheduler.holder_name("serve")
    result = _tick(engine, settings, first, at("2020-02-13", 10))
    assert result.held and result.jobs.done >= 1
    # 2020-02-17 09:00 (the working day after the due date): the first scheduler claims the escalation,
    # then "dies" before running it — its claim is left behind.
    with session_scope(engine) as session:
        job_id = session.scalar(select(Job.id).where(Job.key == f"desk.escalate:{demand_id}:1:1"))
    claimed = jobs._claim_one(engine, worker=first, now=at("2020-02-17", 10), lease=dt.timedelta(minutes=10),
                              kinds=("desk.escalate",))
    assert claimed == job_id
    # A new process starts and takes the scheduler; while the dead one's claim lasts, the job waits.
    second = scheduler.holder_name("serve")
    waiting = _tick(engine, settings, second, at("2020-02-17", 10) + dt.timedelta(seconds=30))
    assert waiting.held  # (other domains' recurring jobs may run; ours waits)
    with session_scope(engine) as session:
        job = session.get(Job, job_id)
        assert (job.status, job.claimed_by) == ("running", first)
        assert session.get(service.Demand, demand_id).state == "dispatched"
    later = at("2020-02-17", 10) + dt.timedelta(minutes=11)
    result = _tick(engine, settings, second, later)
    assert result.held and not result.jobs.errors
    result = _tick(engine, settings, second, later + dt.timedelta(minutes=1))  # a repeated tick: no new effect
    with session_scope(engine) as session:
        demand = session.get(service.Demand, demand_id)
        assert demand.state == "escalated" and demand.escalation_level == 1
        head = outbox.inbox(session, recipient_kind="user", recipient_id="wh-jrb-head") + \
            outbox.inbox(session, recipient_kind="user", recipient_id="wh-jtj-1")
        assert [n["kind"] for n in head].count("desk.escalated") == 1
        assert [n["kind"] for n in head].count("desk.reminder") == 1
    # Two working days later: escalated to the paired official, once, by whoever holds the scheduler.
    _tick(engine, settings, second, at("2020-02-19", 10))
    _tick(engine, settings, scheduler.holder_name("cron"), at("2020-02-19", 10) + dt.timedelta(minutes=2))
    with session_scope(engine) as session:
        demand = session.get(service.Demand, demand_id)
        assert demand.escalation_level == 2
        escalations = session.scalar(select(func.count()).select_from(TransitionRow).where(
            TransitionRow.entity_id == str(demand_id), TransitionRow.action == "escalate"))
        assert escalations == 2
        official = session.scalars(select(Notification.kind).where(Notification.recipient_id == "wh-leader-1")).all()
        assert official == ["desk.escalated"]


def test_a_demand_resolved_in_time_is_not_escalated(engine, tmp_path):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path / "data")})
    with session_scope(engine) as session:
        build_world(session)
        demand = service.submit_demand(session, CONTACT, enterprise_id="E-WH-3", category="logistics",
                                       text="通行证", at=at("2020-02-11"))
        service.triage(session, TRIAGE, demand_id=demand.id, at=at("2020-02-12"))
        from tests.desk.helpers import TRANSPORT

        service.resolve(session, TRANSPORT, demand_id=demand.id, outcome="已办", at=at("2020-02-13"))
        demand_id = demand.id
    _tick(engine, settings, scheduler.holder_name("serve"), at("2020-02-25", 10))
    with session_scope(engine) as session:
        results = dict(session.execute(select(Job.key, Job.result).where(Job.key.like(f"desk.escalate:{demand_id}:%"))).all())
        assert len(results) == 2 and all(r == {"skipped": "moved on"} for r in results.values())
        assert session.get(service.Demand, demand_id).state == "closed"  # auto-closed 5 working days after


def test_the_overdue_and_soon_due_lists_of_a_department(session):
    build_world(session)
    late = service.submit_demand(session, CONTACT, enterprise_id="E-WH-1", category="logistics", text="a",
                                 at=at("2020-02-10"))
    soon = service.submit_demand(session, CONTACT, enterprise_id="E-WH-2", category="logistics", text="b",
                                 at=at("2020-02-13"))
    for demand, day in ((late, "2020-02-10"), (soon, "2020-02-14")):
        service.triage(session, TRIAGE, demand_id=demand.id, at=at(day))
    assert (late.due_on.isoformat(), soon.due_on.isoformat()) == ("2020-02-12", "2020-02-18")
    lists = deadlines.due_lists(session, TRIAGE, department="WH-JTJ", today=dt.date(2020, 2, 17))
    assert [d.id for d in lists["overdue"]["demands"]] == [late.id]
    assert [d.id for d in lists["soon"]["demands"]] == [soon.id]
