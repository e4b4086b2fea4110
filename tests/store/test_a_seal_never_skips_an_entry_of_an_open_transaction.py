"""A seal never skips an entry that a transaction still holds open: on PostgreSQL a later entry (a
higher id) may commit first, and a seal of it would leave the lower id outside every seal for ever (a
false tampering alarm at ``fugong audit verify``). The seal waits; once the transaction commits, both
entries are sealed in id order and the chain verifies. (On SQLite the second writer waits for the
first, so the same holds by the single writer lock.)"""

import datetime as dt
import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.store.audit import AuditSeal, record_change, seal_all, verify
from fugong.store.db import session_scope


def _write_and_commit(engine, entity_id: str) -> None:
    with session_scope(engine) as session:
        record_change(session, actor="system:late", action="test.write", entity="x", entity_id=entity_id)


def test_an_entry_committed_after_a_later_one_is_still_sealed_in_order(engine):
    long_transaction = Session(engine)
    try:
        record_change(long_transaction, actor="system:ingest", action="test.write", entity="x", entity_id="first")
        long_transaction.flush()  # its id is drawn now; the commit comes later
        later = threading.Thread(target=_write_and_commit, args=(engine, "second"))
        later.start()
        later.join(timeout=3)  # PostgreSQL: committed (a higher id); SQLite: waits for the writer lock

        assert seal_all(engine, grace=dt.timedelta(0)) == 0  # nothing sealed past an open entry
        long_transaction.commit()
    finally:
        long_transaction.close()
    later.join(timeout=30)
    assert not later.is_alive()

    assert seal_all(engine, grace=dt.timedelta(0)) == 2
    with session_scope(engine) as session:
        seals = list(session.scalars(select(AuditSeal)))
        assert [(s.count, s.last_id - s.first_id + 1) for s in seals] == [(2, 2)]
        result = verify(session)
        assert result.ok, result.problems
        assert result.entries == 2 and result.unsealed == 0
