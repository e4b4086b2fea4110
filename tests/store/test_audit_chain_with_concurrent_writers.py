"""Two at once: writers (threads, and processes) keep writing audit entries while sealers run; every
entry ends up in exactly one seal, the chain verifies, nothing is lost or doubled."""

import datetime as dt
import multiprocessing
import threading

from sqlalchemy import func, select

from fugong.store.audit import AuditEntry, AuditSeal, record_change, seal_all, verify
from fugong.store.db import connect, session_scope

# Sealers leave the newest second alone: on PostgreSQL ids are handed out at insert and committed
# later, so an entry a moment old may still be joined by a lower id (audit.SEAL_GRACE is 60 s).
GRACE = dt.timedelta(seconds=1)
WRITERS, PER_WRITER = 4, 40


def _write(url: str, writer: int) -> None:
    engine = connect(url)
    try:
        for i in range(PER_WRITER):
            with session_scope(engine) as session:
                record_change(session, actor=f"system:w{writer}", action="test.write", entity="x",
                              entity_id=f"{writer}-{i}")
    finally:
        engine.dispose()


def _seal_repeatedly(url: str, stop: threading.Event) -> None:
    engine = connect(url)
    try:
        while not stop.is_set():
            seal_all(engine, grace=GRACE)
    finally:
        engine.dispose()


def _check(engine) -> None:
    import time

    time.sleep(GRACE.total_seconds() + 0.5)
    seal_all(engine, grace=GRACE)
    with session_scope(engine) as session:
        result = verify(session)
        assert result.ok, result.problems
        assert result.entries == WRITERS * PER_WRITER and result.unsealed == 0
        assert session.scalar(select(func.sum(AuditSeal.count))) == WRITERS * PER_WRITER
        ids = {e for e in session.scalars(select(AuditEntry.entity_id))}
        assert len(ids) == WRITERS * PER_WRITER


def test_threads_write_while_two_sealers_seal(engine, db_url):
    stop = threading.Event()
    sealers = [threading.Thread(target=_seal_repeatedly, args=(db_url, stop)) for _ in range(2)]
    writers = [threading.Thread(target=_write, args=(db_url, w)) for w in range(WRITERS)]
    for thread in sealers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in sealers:
        thread.join()
    _check(engine)


def test_processes_write_while_a_sealer_process_seals(engine, db_url):
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write, args=(db_url, w)) for w in range(WRITERS)]
    sealer = context.Process(target=_seal_for_a_while, args=(db_url,))
    for process in writers + [sealer]:
        process.start()
    for process in writers + [sealer]:
        process.join(timeout=300)
        assert process.exitcode == 0
    _check(engine)


def _seal_for_a_while(url: str) -> None:
    import time

    engine = connect(url)
    try:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            seal_all(engine, grace=GRACE)
            time.sleep(0.05)
    finally:
        engine.dispose()
