"""Group commit: requests that arrive together share one transaction, written by one thread per process.

A transaction costs about a millisecond of CPU whatever its size (and on SQLite the single write
lock), so at hundreds of writes a second one transaction per request spends the machine on
transactions. Here requests queue up (for at most ``linger_s``, or while the previous batch
commits) and a writer thread takes them as a batch::

    class FilingWriter(GroupCommit):
        def write(self, items, attempt):          # one batch, one or more transactions
            ...                                   # -> one answer (or Exception) per item, in order

    writer = FilingWriter(engine, lock=write_lock(engine))
    future = writer.submit(item)                  # concurrent.futures.Future
    await asyncio.wrap_future(future)             # the answer, once committed; or raises the refusal

The caller gets its answer only after the commit: an answer always means a stored write. A batch
whose ``write`` raises ``Retry`` runs again (another worker committed something it conflicts with;
a new transaction sees it), up to ``MAX_ATTEMPTS``; any other exception fails the batch as a whole:
it was rolled back and is written again one item per transaction, so one bad item never costs the
others theirs and nothing half-written stays behind. Used by gate scans (healthcode.scan_writer)
and filings (resumption.intake).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sys
import threading
import time
from concurrent.futures import Future
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger(__name__)
_APP_LOCK = threading.Lock()
SWITCH_INTERVAL_S = 0.0005  # see submit(): how soon the event loop gets the GIL back from the writer


def app_writer(app, kind: type[GroupCommit], engine_of) -> GroupCommit:
    """The web app's one writer of ``kind`` (one per process), made on first use with the database's
    write lock (store.db.write_lock); ``engine_of(app)`` gives the app's engine."""
    attribute = f"writer_{kind.__name__}"
    writer = getattr(app.state, attribute, None)
    if writer is None:
        with _APP_LOCK:
            writer = getattr(app.state, attribute, None)
            if writer is None:
                from fugong.store.db import write_lock

                engine = engine_of(app)
                writer = kind(engine, lock=write_lock(engine))
                setattr(app.state, attribute, writer)
    return writer


class Retry(Exception):
    """Raised by ``write``: the batch conflicted with another worker's commit; run it again."""

    def __init__(self, message: str = "conflicted with another writer", *, error: Exception | None = None):
        super().__init__(message)
        self.error = error


class GroupCommit:
    """One writer thread per instance storing queued items in batches of up to ``max_batch``."""

    MAX_ATTEMPTS = 5
    CHECKPOINT_EVERY_S = 0.25
    name = "fugong-writer"

    def __init__(self, engine: Engine, *, max_batch: int = 256, linger_s: float = 0.005,
                 lock: contextlib.AbstractContextManager | None = None) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.linger_s = linger_s
        self.lock = lock or contextlib.nullcontext()  # SQLite: store.db.write_lock
        self._queue: queue.SimpleQueue[tuple[Any, Future]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches = 0  # batches committed (for tests and diagnostics)
        self._sqlite = engine.dialect.name == "sqlite"
        self._dirty = False  # committed since the last background checkpoint
        self._checkpointing = False

    def write(self, items: list, attempt: int) -> list:
        """Store a batch in one transaction: one answer per item (an Exception for a refused one)."""
        raise NotImplementedError

    def submit(self, item) -> Future:
        """Queue one item; the future gets its answer once the batch is committed, or its refusal."""
        future: Future = Future()
        self._queue.put((item, future))
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    # The writer shares the GIL with the web server's event loop; while it works on a
                    # batch the loop would get the GIL back only every 5 ms (Python's default switch
                    # interval), which shows as tail latency.
                    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
                    self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                    self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            # Linger a moment for more: batches of one would spend the CPU on transactions and the
            # queue would grow until batches grew anyway, at a higher latency.
            deadline = time.monotonic() + self.linger_s
            while len(batch) < self.max_batch:
                wait = deadline - time.monotonic()
                try:
                    batch.append(self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[tuple[Any, Future]], attempt: int = 1) -> None:
        try:
            answers = self.write([item for item, _ in batch], attempt)
        except Retry as conflict:
            if attempt < self.MAX_ATTEMPTS:
                self._write(batch, attempt + 1)
            else:
                self._give_up(batch, conflict.error or conflict)
            return
        except Exception as error:  # noqa: BLE001 - every caller must get an answer
            self._give_up(batch, error)
            return
        self.batches += 1
        self._wrote()
        for (_, future), answer in zip(batch, answers):
            if isinstance(answer, Exception):
                future.set_exception(answer)
            else:
                future.set_result(answer)

    def _wrote(self) -> None:
        self._dirty = True
        if self._sqlite and not self._checkpointing:
            self._checkpointing = True
            threading.Thread(target=self._checkpoint, name=f"{self.name}-checkpoint", daemon=True).start()

    def _checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database in the background, often, so that the
        commit that crosses SQLite's auto-checkpoint threshold (1,000 pages) finds nothing left to
        copy. Otherwise that commit does the copying and the disk sync itself — 80–100 ms measured
        every couple of seconds at 1,000 gate scans/s — while the callers behind it wait. PASSIVE:
        never blocks readers or writers. Runs while items are being written; ends when they stop."""
        from sqlalchemy import text

        while True:
            time.sleep(self.CHECKPOINT_EVERY_S)
            if not self._dirty:
                self._checkpointing = False
                return
            self._dirty = False
            try:
                with self.engine.connect() as connection:
                    connection.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))
            except Exception as error:  # noqa: BLE001 - a skipped checkpoint is made up by the next
                log.warning("background checkpoint failed (%s)", type(error).__name__)

    def _give_up(self, batch: list[tuple[Any, Future]], error: Exception) -> None:
        """A batch that failed: one item per transaction, so the others are stored; a lone one fails."""
        if len(batch) == 1:
            batch[0][1].set_exception(error)
            return
        log.warning("a batch of %d failed (%s); writing them one by one", len(batch), type(error).__name__)
        for item in batch:
            self._write([item])
