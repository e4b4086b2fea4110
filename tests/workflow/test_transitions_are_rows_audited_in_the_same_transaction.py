"""Each transition is a row (who, when, from, to, reason) and an audit entry, in the same transaction
as the change; the timeline and the funnel read the same rows."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from fugong.access import Principal
from fugong.store.audit import AuditEntry
from fugong.store.db import session_scope
from fugong.workflow.machine import TransitionRefused
from fugong.workflow.models import TransitionRow
from fugong.workflow.transitions import apply, funnel, start, timeline
from tests.workflow.entities import GUARDS, Ticket, create_tables, machine

OFFICER = Principal(user_id="li", role="officer", region_prefix="3301")
T0 = dt.datetime(2020, 2, 11, 1, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def tickets(engine):
    create_tables(engine)
    return engine


def _open(session, ticket_id="T1", **extra):
    ticket = Ticket(id=ticket_id, region_code="330110", **extra)
    session.add(ticket)
    start(session, machine=machine(), entity=ticket, principal=OFFICER, region_code="330110", at=T0)
    return ticket


def _count(engine, model, *where):
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_transition_writes_its_row_and_its_audit_entry(tickets):
    with session_scope(tickets) as session:
        ticket = _open(session)
        apply(session, machine=machine(), entity=ticket, action="approve", principal=OFFICER, region_code="330110",
              reason="材料齐全", guards=GUARDS, at=T0 + dt.timedelta(hours=2))
    with session_scope(tickets) as session:
        assert session.get(Ticket, "T1").state == "approved" and session.get(Ticket, "T1").state_version == 1
        steps = timeline(session, machine=machine(), entity_id="T1")
        assert [(s["from"], s["to"], s["actor"], s["reason"]) for s in steps] == [
            (None, "open", "officer:li", None), ("open", "approved", "officer:li", "材料齐全")]
        assert steps[0]["seconds_in_state"] == 7200
        assert [f["entered"] for f in funnel(session, machine=machine())] == [1, 1, 0, 0]
    assert _count(tickets, AuditEntry, AuditEntry.action == "test-ticket.approve") == 1


def test_a_rolled_back_change_leaves_no_row_and_no_audit(tickets):
    with session_scope(tickets) as session:
        _open(session)
    with pytest.raises(RuntimeError), session_scope(tickets) as session:
        apply(session, machine=machine(), entity=session.get(Ticket, "T1"), action="approve", principal=OFFICER,
              region_code="330110", guards=GUARDS)
        raise RuntimeError("the caller failed after the transition")
    assert _count(tickets, TransitionRow, TransitionRow.action == "approve") == 0
    assert _count(tickets, AuditEntry, AuditEntry.action == "test-ticket.approve") == 0
    with session_scope(tickets) as session:
        assert session.get(Ticket, "T1").state == "open"


def test_a_required_reason_and_the_guards_are_checked(tickets):
    with session_scope(tickets) as session:
        ticket = _open(session, frozen=True)
        with pytest.raises(TransitionRefused) as caught:
            apply(session, machine=machine(), entity=ticket, action="reject", principal=OFFICER, region_code="330110")
        assert caught.value.code == "reason_required"
        with pytest.raises(TransitionRefused) as caught:
            apply(session, machine=machine(), entity=ticket, action="approve", principal=OFFICER,
                  region_code="330110", guards=GUARDS)
        assert caught.value.code == "frozen" and ticket.state == "open"
