"""Every state change leaves an append-only audit entry: who, what, when, before/after, reason."""

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from fugong.store.audit import AuditEntry, AuditLogIsAppendOnly, history, record_change
from fugong.store.db import current_revision, head_revision, session_scope, upgrade


def test_it_migrates_to_the_newest_revision_idempotently(engine):
    assert current_revision(engine) == head_revision()
    upgrade(engine)  # a second upgrade changes nothing
    assert current_revision(engine) == head_revision()


def test_it_records_who_what_when_before_after_and_reason(engine):
    with session_scope(engine) as session:
        record_change(
            session, actor="officer:li", action="filing.approve", entity="filing", entity_id="F-1",
            region_code="330110", before={"status": "submitted"}, after={"status": "approved",
            "on": dt.date(2020, 2, 10)}, reason="白名单企业",
        )
    with session_scope(engine) as session:
        [entry] = history(session, entity="filing", entity_id="F-1")
        assert entry.actor == "officer:li"
        assert entry.action == "filing.approve"
        assert entry.before == {"status": "submitted"}
        assert entry.after == {"status": "approved", "on": "2020-02-10"}
        assert entry.reason == "白名单企业"
        assert entry.region_code == "330110"
        assert entry.at is not None


def test_it_rolls_back_the_entry_with_the_change_it_describes(engine):
    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            record_change(session, actor="a", action="x.y", entity="x", entity_id="1")
            raise RuntimeError("the change failed")
    with session_scope(engine) as session:
        assert history(session, entity="x", entity_id="1") == []


def test_it_refuses_an_entry_without_an_actor(session):
    with pytest.raises(ValueError, match="actor"):
        record_change(session, actor="", action="x.y", entity="x", entity_id="1")


def test_it_refuses_to_update_or_delete_an_entry_through_the_orm(engine):
    with session_scope(engine) as session:
        record_change(session, actor="a", action="x.y", entity="x", entity_id="1")
    with pytest.raises(AuditLogIsAppendOnly):
        with session_scope(engine) as session:
            session.query(AuditEntry).one().reason = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        with session_scope(engine) as session:
            session.delete(session.query(AuditEntry).one())


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log"])
def test_the_database_itself_refuses_to_change_the_log(engine, statement):
    with session_scope(engine) as session:
        record_change(session, actor="a", action="x.y", entity="x", entity_id="1", reason="original")
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    with session_scope(engine) as session:
        assert session.query(AuditEntry).one().reason == "original"
