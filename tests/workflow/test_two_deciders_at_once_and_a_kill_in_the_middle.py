"""Two officers deciding the same ticket at the same moment: exactly one transition is stored, the
other is told the ticket changed. A decider killed after its UPDATE, before commit, changes nothing."""

from sqlalchemy import func, select

from fugong.access import Principal
from fugong.store.db import session_scope
from fugong.workflow.models import TransitionRow
from fugong.workflow.transitions import start
from tests.support.processes import finish, kill, spawn, wait_for
from tests.workflow.entities import Ticket, create_tables, machine

DECIDE = """
import os, pathlib, time
from fugong.access import Principal
from fugong.store.db import connect, session_scope
from fugong.workflow import transitions
from tests.workflow.entities import GUARDS, Ticket, machine

engine = connect(os.environ["DB"])
who = Principal(user_id=os.environ["WHO"], role="officer", region_prefix="3301")
go = pathlib.Path(os.environ["GO"])
try:
    with session_scope(engine) as session:
        ticket = session.get(Ticket, "T1")          # both read "open" before either writes
        pathlib.Path(os.environ["READ"]).write_text("read")
        while not go.exists():
            time.sleep(0.01)
        transitions.apply(session, machine=machine(), entity=ticket, action=os.environ["ACTION"], principal=who,
                          region_code="330110", reason="决定", guards=GUARDS)
        if os.environ.get("PAUSE_AT"):
            pathlib.Path(os.environ["PAUSE_AT"]).write_text("updated")
            time.sleep(60)
    print("won")
except transitions.ConcurrentChange:
    print("lost")
"""


def _setup(engine):
    create_tables(engine)
    with session_scope(engine) as session:
        ticket = Ticket(id="T1", region_code="330110")
        session.add(ticket)
        start(session, machine=machine(), entity=ticket, principal=Principal(user_id="s", role="system"),
              region_code="330110")


def _rows(engine):
    with session_scope(engine) as session:
        return (session.get(Ticket, "T1").state,
                session.scalar(select(func.count()).select_from(TransitionRow).where(TransitionRow.entity_id == "T1")))


def test_of_two_officers_deciding_at_once_exactly_one_wins(engine, db_url, tmp_path):
    _setup(engine)
    go = tmp_path / "go"
    deciders = [spawn(DECIDE, DB=db_url, WHO=who, ACTION=action, GO=go, READ=tmp_path / f"read-{who}")
                for who, action in (("li", "approve"), ("wang", "reject"))]
    for who, process in zip(("li", "wang"), deciders):
        wait_for(tmp_path / f"read-{who}", process)
    go.write_text("go")
    outcomes = sorted(finish(p).strip() for p in deciders)
    assert outcomes == ["lost", "won"]
    state, rows = _rows(engine)
    assert state in ("approved", "rejected") and rows == 2  # create + the one decision


def test_a_decider_killed_before_commit_changes_nothing(engine, db_url, tmp_path):
    _setup(engine)
    go, marker = tmp_path / "go", tmp_path / "updated"
    go.write_text("go")
    child = spawn(DECIDE, DB=db_url, WHO="li", ACTION="approve", GO=go, READ=tmp_path / "read", PAUSE_AT=marker)
    wait_for(marker, child)
    kill(child)
    assert _rows(engine) == ("open", 1)
    # nothing is left locked: another officer decides at once
    assert finish(spawn(DECIDE, DB=db_url, WHO="wang", ACTION="approve", GO=go, READ=tmp_path / "r2")).strip() == "won"
    assert _rows(engine) == ("approved", 2)
