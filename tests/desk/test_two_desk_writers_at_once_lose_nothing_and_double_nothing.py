"""Two processes write to the desk at the same moment, each with its own connection, the way the web
routes and the CLI do (a transaction per demand inside ``write_lock``: the SQLite write lock, nothing
on PostgreSQL, where row versions decide). Submitting at once: every demand of both is kept once, with
its transition, its audit entry and its search terms. Dispatching the same demands at once (two
triage officers pressing "dispatch" on the same list): each demand is dispatched exactly once, to the
winner's department, with one set of deadline jobs; the other writer gets a clear conflict (the
demand changed meanwhile, or is no longer in a state to dispatch: 409 in the web) and writes nothing.
Runs on SQLite and PostgreSQL."""

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import func, select

from fugong.desk import search, service
from fugong.desk.models import Demand, Milestone, Term
from fugong.store.audit import AuditEntry
from fugong.store.db import session_scope
from fugong.workflow.models import Job, TransitionRow
from tests.desk.helpers import CONTACT, TRIAGE, build_world

ROOT = Path(__file__).resolve().parents[2]
EACH = 12

_WRITER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from fugong.desk import service
    from fugong.store.db import connect, session_scope, write_lock
    from fugong.workflow.machine import TransitionRefused
    from fugong.workflow.transitions import ConcurrentChange
    from tests.desk.helpers import CONTACT, TRIAGE

    url, work, name, folder = sys.argv[1:5]
    ids = [int(i) for i in sys.argv[5:]]
    engine = connect(url)
    with session_scope(engine) as session:  # connect and import everything before the start
        service.machine()
    folder = Path(folder)
    (folder / f"ready-{name}").touch()
    while not (folder / "go").exists():
        time.sleep(0.001)
    out = []
    if work == "submit":
        for n in range(int(ids[0])):
            with write_lock(engine), session_scope(engine) as session:
                demand = service.submit_demand(session, CONTACT, enterprise_id="E-WH-1", category="logistics",
                                               text=f"{name}号车队 物流通行证 第{n}次")
                session.flush()
                out.append(demand.id)
    else:
        for demand_id in ids:
            try:
                with write_lock(engine), session_scope(engine) as session:
                    service.dispatch(session, TRIAGE, demand_id=demand_id, department=name)
                out.append(["won", demand_id])
            except ConcurrentChange:
                out.append(["conflict", demand_id, "changed meanwhile"])
            except TransitionRefused as refused:
                out.append(["conflict", demand_id, refused.code])
    print(json.dumps(out))
""")


def _race(db_url, tmp_path, work: str, jobs: dict[str, list]) -> dict[str, list]:
    """Start one writer per name, wait until all are connected, then let them go at once."""
    runs = {name: subprocess.Popen([sys.executable, "-c", _WRITER, db_url, work, name, str(tmp_path),
                                    *map(str, args)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True) for name, args in jobs.items()}
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready-{name}").exists() for name in jobs):
        assert time.monotonic() < deadline, "writers did not start"
        assert all(run.poll() is None for run in runs.values()), [run.communicate() for run in runs.values()]
        time.sleep(0.01)
    (tmp_path / "go").touch()
    outputs = {name: run.communicate(timeout=180) for name, run in runs.items()}
    assert [run.returncode for run in runs.values()] == [0] * len(runs), outputs
    return {name: json.loads(out) for name, (out, _) in outputs.items()}


def test_two_contact_officers_submitting_at_once_keep_every_demand_once(engine, db_url, tmp_path):
    with session_scope(engine) as session:
        build_world(session)
    got = _race(db_url, tmp_path, "submit", {"甲": [EACH], "乙": [EACH]})
    ids = got["甲"] + got["乙"]
    assert len(ids) == len(set(ids)) == 2 * EACH
    with session_scope(engine) as session:
        demands = session.scalars(select(Demand).order_by(Demand.id)).all()
        assert [d.id for d in demands] == sorted(ids)
        assert all(d.state == "collected" for d in demands)
        creates = session.scalars(select(TransitionRow.entity_id).where(TransitionRow.action == "create")).all()
        assert sorted(map(int, creates)) == sorted(ids)
        audited = session.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "desk-demand.create")).all()
        assert sorted(map(int, audited)) == sorted(ids)
        assert session.scalar(select(func.count(func.distinct(Term.demand_id)))) == 2 * EACH
        # The funnel's milestones: one "collected" per demand, written with it (none lost, none twice).
        collected = session.scalars(select(Milestone.demand_id).where(Milestone.state == "collected")).all()
        assert sorted(collected) == sorted(ids)
        for name in ("甲", "乙"):  # each writer's demands are found by their own words, all of them
            total, found = service.list_demands(session, TRIAGE, query=f"{name}号车队", limit=100)
            assert sorted(d.id for d in found) == sorted(got[name]) and total == EACH
        assert search.searchable("物流")


def test_two_triage_officers_dispatching_the_same_demands_dispatch_each_once(engine, db_url, tmp_path):
    with session_scope(engine) as session:
        build_world(session)
        ids = []
        for n in range(EACH):
            demand = service.submit_demand(session, CONTACT, enterprise_id="E-WH-2", category="logistics",
                                           text=f"原材料运输 {n}")
            service.accept(session, TRIAGE, demand_id=demand.id)
            ids.append(demand.id)
    got = _race(db_url, tmp_path, "dispatch", {"WH-JTJ": ids, "WH-JRB": ids})
    winners = {}
    for department, results in got.items():
        assert [r[1] for r in results] == ids  # every demand answered: won or a clear conflict
        for result in results:
            if result[0] == "won":
                assert result[1] not in winners, f"D{result[1]} dispatched twice"
                winners[result[1]] = department
            else:
                assert result[2] in ("changed meanwhile", "wrong_state"), result
    assert sorted(winners) == ids
    with session_scope(engine) as session:
        for demand_id, department in winners.items():
            demand = session.get(Demand, demand_id)
            assert (demand.state, demand.department, demand.dispatch_count) == ("dispatched", department, 1)
            dispatches = session.scalars(select(TransitionRow.data).where(
                TransitionRow.entity_id == str(demand_id), TransitionRow.action == "dispatch")).all()
            assert [d["department"] for d in dispatches] == [department]
            # The "dispatched" milestones: the demand's ('') and its department's — the winner's only
            # (the loser's write left nothing).
            assert sorted(session.scalars(select(Milestone.department).where(
                Milestone.demand_id == demand_id, Milestone.state == "dispatched")).all()) == ["", department]
            expected = [f"desk.remind:{demand_id}:1", f"desk.escalate:{demand_id}:1:1", f"desk.escalate:{demand_id}:1:2"]
            assert sorted(session.scalars(select(Job.key).where(Job.key.in_(expected))).all()) == sorted(expected)
        assert session.scalar(select(func.count()).select_from(Job).where(Job.kind.in_(("desk.remind", "desk.escalate")))) \
            == 3 * EACH  # one set per demand: the loser scheduled nothing
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "desk-demand.dispatch")) == EACH
