"""A process killed (SIGKILL) in the middle of a bulk desk write leaves the store as it was or complete,
never half. A pairing plan for a zone (every firm paired, one transaction): killed after its rows were
written but before the commit, no pairing and no audit entry remain, and applying the plan again pairs
every firm once. The scheduler escalating a batch of overdue demands (one job, one transaction each):
killed inside the fourth escalation, the first three are complete (transition, level, notice, job done),
the fourth left nothing but its claim, and the next scheduler escalates the rest, each exactly once.
Runs on SQLite and PostgreSQL."""

import datetime as dt
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import func, select

from fugong.desk import pairing, service
from fugong.desk.models import Demand, Pairing
from fugong.enterprises import service as registry
from fugong.store.audit import AuditEntry
from fugong.store.db import session_scope
from fugong.workflow import jobs
from fugong.workflow.models import Job, Notification, TransitionRow
from tests.desk.helpers import CONTACT, SYSTEM, TRIAGE, WUHU, at, build_world
from tests.enterprises.helpers import firm

ROOT = Path(__file__).resolve().parents[2]
FIRMS = 120
OVERDUE = 6

_APPLY_AND_DIE = textwrap.dedent("""
    import os, signal, sys
    from fugong.desk import pairing
    from fugong.store.db import connect, session_scope, write_lock
    from tests.desk.helpers import SYSTEM

    real = pairing.record_change

    def audit_then_die(session, **entry):  # every pairing row and the audit entry are written: die
        real(session, **entry)
        session.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    pairing.record_change = audit_then_die
    engine = connect(sys.argv[1])
    plan = {"grid": [{"area": "WH-G1", "username": "wh-street-1"}]}
    with write_lock(engine), session_scope(engine) as session:
        pairing.apply_plan(session, SYSTEM, plan=plan, source="zone-plan.toml")
""")

_ESCALATE_AND_DIE = textwrap.dedent("""
    import datetime as dt, os, signal, sys
    from fugong.config import load_settings
    from fugong.desk import deadlines, service
    from fugong.store.db import connect
    from fugong.workflow import jobs

    real, done = service.escalate, []

    def escalate_then_die(session, *args, **kwargs):  # the fourth escalation is written, not committed
        result = real(session, *args, **kwargs)
        done.append(1)
        if len(done) == 4:
            session.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    service.escalate = escalate_then_die
    url, data_dir, now = sys.argv[1:4]
    settings = load_settings({"FUGONG_DATA_DIR": data_dir})
    jobs.run_due(connect(url), worker="dying-scheduler", now=dt.datetime.fromisoformat(now),
                 kinds=("desk.escalate",), settings=settings)
""")


def _run_and_die(script: str, *args) -> None:
    process = subprocess.run([sys.executable, "-c", script, *map(str, args)], cwd=ROOT, capture_output=True,
                             text=True, timeout=180)
    assert process.returncode == -signal.SIGKILL, (process.returncode, process.stderr[-2000:])


def test_a_pairing_plan_killed_before_its_commit_leaves_no_pairing_and_a_rerun_pairs_every_firm_once(
        engine, db_url):
    with session_scope(engine) as session:
        ids = build_world(session)
        for n in range(FIRMS):
            registry.register_enterprise(session, SYSTEM, **firm(f"E-WH-Z{n:03d}", WUHU, serial=3000 + n))
            ids.append(f"E-WH-Z{n:03d}")
        service.assign_to_area(session, SYSTEM, area_code="WH-G1", enterprise_ids=ids)
    _run_and_die(_APPLY_AND_DIE, db_url)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Pairing)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "desk.pairing.apply")) == 0
    with session_scope(engine) as session:
        counts = pairing.apply_plan(session, SYSTEM, plan={"grid": [{"area": "WH-G1", "username": "wh-street-1"}]},
                                    source="zone-plan.toml")
    assert counts == {"started": len(ids), "ended": 0, "pairs": len(ids)}
    with session_scope(engine) as session:
        paired = session.scalars(select(Pairing.enterprise_id).where(Pairing.ended_at.is_(None))).all()
        assert sorted(paired) == sorted(ids)  # every firm of the area, once
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "desk.pairing.apply")) == 1


def _escalation_state(session, demand_ids):
    out = {}
    for demand_id in demand_ids:
        demand = session.get(Demand, demand_id)
        escalations = session.scalar(select(func.count()).select_from(TransitionRow).where(
            TransitionRow.entity_id == str(demand_id), TransitionRow.action == "escalate"))
        notices = session.scalar(select(func.count()).select_from(Notification).where(
            Notification.entity_id == str(demand_id), Notification.kind == "desk.escalated"))
        job = session.scalar(select(Job).where(Job.key == f"desk.escalate:{demand_id}:1:1"))
        out[demand_id] = (demand.state, demand.escalation_level, escalations, notices, job.status)
    return out


def test_the_scheduler_killed_inside_an_escalation_leaves_each_demand_escalated_once_or_not_at_all(
        engine, db_url, tmp_path):
    with session_scope(engine) as session:
        build_world(session)
        demand_ids = []
        for n in range(OVERDUE):
            demand = service.submit_demand(session, CONTACT, enterprise_id="E-WH-3", category="logistics",
                                           text=f"货车通行证 {n}", at=at("2020-02-11"))
            service.triage(session, TRIAGE, demand_id=demand.id, at=at("2020-02-12"))  # due 02-14
            demand_ids.append(demand.id)
    first_due = at("2020-02-17", 10)  # the working day after the due date: level 1 for all six
    _run_and_die(_ESCALATE_AND_DIE, db_url, tmp_path / "data", first_due.isoformat())
    with session_scope(engine) as session:
        states = _escalation_state(session, demand_ids)
    complete = ("escalated", 1, 1, 1, "done")
    assert sorted(states.values()).count(complete) == 3, states
    dead = [s for s in states.values() if s != complete]
    # the one being escalated when the process died: nothing but the dead scheduler's claim on its job
    assert sorted(dead) == sorted([("dispatched", 0, 0, 0, "running")] + [("dispatched", 0, 0, 0, "pending")] * 2)
    # Another scheduler, after the dead one's claim expired: the rest are escalated, each once.
    from fugong.config import load_settings

    summary = jobs.run_due(engine, worker="next-scheduler", now=first_due + dt.timedelta(minutes=11),
                           kinds=("desk.escalate",), settings=load_settings({"FUGONG_DATA_DIR": str(tmp_path / "data")}))
    assert summary.done == 3 and not summary.errors
    with session_scope(engine) as session:
        assert set(_escalation_state(session, demand_ids).values()) == {complete}
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "desk-demand.escalate")) == OVERDUE
