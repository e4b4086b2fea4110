"""The audit log cannot be overwritten through REPLACE, and its time is the database's clock."""

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from fugong.store.audit import history, record_change
from fugong.store.db import session_scope


def _one(engine):
    with session_scope(engine) as session:
        record_change(session, actor="officer:li", action="filing.approve", entity="filing", entity_id="F-1")
    with session_scope(engine) as session:
        return history(session, entity="filing", entity_id="F-1")[0]


def test_sqlite_insert_or_replace_of_an_existing_entry_is_refused(engine):
    if engine.dialect.name != "sqlite":
        # PostgreSQL has no REPLACE; its upsert is an UPDATE, which the append-only trigger refuses.
        entry = _one(engine)
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO audit_log (id, at, actor, action, entity, entity_id) "
                    "VALUES (:id, now(), 'x', 'forged', 'filing', 'F-1') "
                    "ON CONFLICT (id) DO UPDATE SET action = 'forged'"), {"id": entry.id})
        return
    entry = _one(engine)
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT OR REPLACE INTO audit_log (id, at, actor, action, entity, entity_id) "
                "VALUES (:id, strftime('%Y-%m-%d %H:%M:%f','now'), 'x', 'forged', 'filing', 'F-1')"),
                {"id": entry.id})
    with session_scope(engine) as session:
        [again] = history(session, entity="filing", entity_id="F-1")
        assert again.action == "filing.approve"


def test_the_time_of_an_entry_is_the_database_clock_not_the_callers(engine):
    long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    with session_scope(engine) as session:
        record_change(session, actor="a", action="x.y", entity="x", entity_id="1", at=long_ago)
    with session_scope(engine) as session:
        [entry] = history(session, entity="x", entity_id="1")
        at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.timezone.utc)
        assert abs((at - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 120


def test_a_back_dated_insert_by_hand_is_refused_or_re_dated(engine):
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            with pytest.raises(DBAPIError, match="database clock"):
                conn.execute(text("INSERT INTO audit_log (at, actor, action, entity, entity_id) "
                                  "VALUES ('2020-01-01 00:00:00.000000', 'x', 'back.dated', 'x', '1')"))
            return
        conn.execute(text("INSERT INTO audit_log (at, actor, action, entity, entity_id) "
                          "VALUES ('2020-01-01 00:00:00+00', 'x', 'back.dated', 'x', '1')"))
        at = conn.execute(text("SELECT at FROM audit_log WHERE action = 'back.dated'")).scalar_one()
    assert at.year == dt.date.today().year or at > dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
