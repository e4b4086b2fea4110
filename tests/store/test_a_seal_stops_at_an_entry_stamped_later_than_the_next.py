"""A seal covers a run of consecutive ids and stops at the first entry too recent to seal. An entry's
time is stamped a moment after its id is drawn, so a lower id can carry a later time than the next
one (a writer paused between the two). A seal that took every entry older than its cutoff would step
over that lower id and leave it outside every seal for ever: a false tampering alarm at ``fugong
audit verify`` (CI saw it once in 2,240 runs of the concurrent-writers test on PostgreSQL).

Here the pause is made explicit: the entry with id 2 is written first, the one with id 1 a second
later."""

import datetime as dt
import time

from sqlalchemy import select

from fugong.store.audit import AuditEntry, AuditSeal, db_now, seal_all, verify
from fugong.store.db import session_scope


def _write(engine, entry_id: int) -> None:
    with session_scope(engine) as session:
        session.add(AuditEntry(id=entry_id, at=db_now(), actor="system:test", action="test.write",
                               entity="x", entity_id=str(entry_id)))


def test_an_older_entry_after_a_recent_one_waits_for_it(engine):
    _write(engine, 2)
    time.sleep(1.5)
    _write(engine, 1)  # the lower id, stamped 1.5 s later

    # Entry 2 is old enough and entry 1 is not: sealing entry 2 alone would step over entry 1.
    assert seal_all(engine, grace=dt.timedelta(seconds=0.75)) == 0

    time.sleep(1)
    assert seal_all(engine, grace=dt.timedelta(seconds=0.75)) == 2
    with session_scope(engine) as session:
        seals = [(s.first_id, s.last_id, s.count) for s in session.scalars(select(AuditSeal))]
        assert seals == [(1, 2, 2)]
        result = verify(session)
        assert result.ok, result.problems
        assert result.entries == 2 and result.unsealed == 0
