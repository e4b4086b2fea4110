"""Scans arriving together are decided as if one at a time and stored in one transaction; an answer
means a committed scan; a failing scan or a conflict with another worker costs no other scan."""

import threading
import time

import pytest
from sqlalchemy import func, select

from fugong.access import Principal
from fugong.healthcode import scans as scans_module
from fugong.healthcode import tokens
from fugong.healthcode.declarations import declare
from fugong.healthcode.models import Scan
from fugong.healthcode.people import register_person
from fugong.healthcode.scan_writer import ScanWriter
from fugong.healthcode.scans import ScanRequest, register_gate, scan, scan_many
from fugong.store.db import session_scope
from tests.healthcode.helpers import DAY0, OFFICER, make_id

GUARD = Principal(user_id="guard", role="gate_staff", region_prefix="330106")
NINGBO_GUARD = Principal(user_id="nb-guard", role="gate_staff", region_prefix="330203")


@pytest.fixture
def green_tokens(engine):
    """Gates G1 (Hangzhou) and NB1 (Ningbo), and a function making fresh tokens of green people."""
    with session_scope(engine) as session:
        register_gate(session, OFFICER, gate_id="G1", enterprise_id="E1", region_code="330106", name="北门")
        register_gate(session, Principal(user_id="nb", role="officer", region_prefix="3302"), gate_id="NB1",
                      enterprise_id="E9", region_code="330203", name="宁波厂")
    counter = iter(range(1, 100))

    def make(count: int) -> list[str]:
        made = []
        with session_scope(engine) as session:
            for _ in range(count):
                n = next(counter)
                me = Principal(user_id=f"user{n}", role="person")
                person = register_person(session, me, name=f"李四{n}", phone=f"139000000{n:02d}",
                                         id_number=make_id(n), region_code="330106", enterprise_id="E1")
                declare(session, me, current_region="330106", day=DAY0, temperature=36.5)
                made.append(tokens.issue_token(session, person=person))
        return made

    return make


def _stored(engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(Scan))


def test_scans_queued_while_a_batch_commits_share_the_next_transaction(engine, green_tokens):
    lock = threading.Lock()
    writer = ScanWriter(engine, lock=lock)
    queued = green_tokens(5)
    with lock:  # the writer is busy (as while committing the previous batch): the scans queue up
        futures = [writer.submit(ScanRequest(principal=GUARD, gate_id="G1", token=token, temperature=36.5))
                   for token in queued]
        assert not any(future.done() for future in futures)  # no answer before the commit
        assert _stored(engine) == 0
    answers = [future.result(timeout=30) for future in futures]
    assert [answer["result"] for answer in answers] == ["pass"] * 5
    assert writer.batches <= 2  # the first scan may have started a batch of its own before the rest queued
    assert _stored(engine) == 5
    with session_scope(engine) as session:
        assert sorted(session.scalars(select(Scan.id))) == sorted(answer["scan_id"] for answer in answers)


def test_a_token_twice_in_one_batch_passes_once_and_is_a_replay_the_second_time(engine, green_tokens):
    token = green_tokens(1)[0]
    with session_scope(engine) as session:
        first, second = scan_many(session, [ScanRequest(principal=GUARD, gate_id="G1", token=token, temperature=36.5)] * 2)
    assert (first["result"], second["result"], second["reason"]["code"]) == ("pass", "deny", "DENY_REPLAY")


def test_a_refused_scan_in_a_batch_stores_nothing_and_costs_the_others_nothing(engine, green_tokens):
    good, other = green_tokens(2)
    with session_scope(engine) as session:
        answers = scan_many(session, [
            ScanRequest(principal=GUARD, gate_id="G1", token=good, temperature=36.5),
            ScanRequest(principal=GUARD, gate_id="NB1", token=other, temperature=36.5),  # not this guard's gate
            ScanRequest(principal=GUARD, gate_id="G1", token=other, temperature=52.0),  # not a body temperature
            ScanRequest(principal=GUARD, gate_id="NOPE", token=other, temperature=36.5),
        ])
    assert answers[0]["result"] == "pass"
    assert [type(answer).__name__ for answer in answers[1:]] == ["AccessDenied", "ValueError", "LookupError"]
    assert _stored(engine) == 1


def test_the_writer_skips_the_replay_query_and_a_replay_is_caught_by_the_unique_key_then_retried(
        engine, green_tokens, monkeypatch):
    token = green_tokens(1)[0]
    with session_scope(engine) as session:  # accepted at G1 before (by this or another worker)
        assert scan(session, GUARD, gate_id="G1", token=token, temperature=36.5)["result"] == "pass"
    real, attempts = scans_module.decide_scans, []

    def counting(session, requests, *, check_replays=True):
        attempts.append(check_replays)
        return real(session, requests, check_replays=check_replays)

    monkeypatch.setattr("fugong.healthcode.scan_writer.decide_scans", counting)
    answer = ScanWriter(engine).submit(ScanRequest(principal=GUARD, gate_id="G1", token=token,
                                                   temperature=36.5)).result(timeout=30)
    assert attempts == [False, True]  # optimistic first; the unique key refused it; the retry checked
    assert (answer["result"], answer["reason"]["code"]) == ("deny", "DENY_REPLAY")
    assert _stored(engine) == 2


def test_a_batch_that_fails_is_stored_scan_by_scan_and_only_the_failing_scan_gets_the_error(
        engine, green_tokens, monkeypatch):
    good, poisoned, other = green_tokens(3)
    real = scans_module.decide_scans

    def fails_with_the_poisoned_token(session, requests, **options):
        if any(request.token == poisoned for request in requests):
            raise RuntimeError("database went away")
        return real(session, requests, **options)

    monkeypatch.setattr("fugong.healthcode.scan_writer.decide_scans", fails_with_the_poisoned_token)
    lock = threading.Lock()
    writer = ScanWriter(engine, lock=lock)
    with lock:
        futures = [writer.submit(ScanRequest(principal=GUARD, gate_id="G1", token=token, temperature=36.5))
                   for token in (good, poisoned, other)]
    assert futures[0].result(timeout=30)["result"] == "pass"
    with pytest.raises(RuntimeError, match="went away"):
        futures[1].result(timeout=30)
    assert futures[2].result(timeout=30)["result"] == "pass"
    assert _stored(engine) == 2


def test_on_sqlite_the_log_is_checkpointed_in_the_background_while_scans_flow_then_the_checkpointer_stops(
        engine, green_tokens, monkeypatch):
    from sqlalchemy import event

    checkpoints = []

    def record(conn, cursor, statement, *rest):
        if "wal_checkpoint" in statement:
            checkpoints.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    monkeypatch.setattr(ScanWriter, "CHECKPOINT_EVERY_S", 0.05)
    writer = ScanWriter(engine)
    writer.submit(ScanRequest(principal=GUARD, gate_id="G1", token=green_tokens(1)[0], temperature=36.5)).result(timeout=30)
    deadline = time.monotonic() + 10
    while writer._checkpointing and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not writer._checkpointing  # no scans any more: the checkpointer has stopped
    # SQLite: one checkpoint after the write. PostgreSQL has no write-ahead log to copy back by hand.
    assert checkpoints == (["PRAGMA wal_checkpoint(PASSIVE)"] if engine.dialect.name == "sqlite" else [])
