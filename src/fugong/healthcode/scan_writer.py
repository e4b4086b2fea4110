"""Group commit for gate scans: many gates scanning at once share one transaction.

At the morning shift change every gate of a park scans at once. Committing each scan on its own
costs a transaction (and on SQLite the single write lock) per scan; here scans queue up (for at
most 5 ms, or while the previous batch commits) and one writer thread per process takes them as a
batch: it decides them with a handful of reads (``scans.decide_scans``: signatures, revocations),
then writes them with one INSERT in one transaction under the database's write lock
(``scans.store_decided``, ``store.db.write_lock``). The caller gets its answer only after the
commit, so an answer always means a stored scan.

    writer = ScanWriter(engine)
    future = writer.submit(ScanRequest(principal=..., gate_id="G1", token="HC1....", temperature=36.5))
    future.result()   # {"result": "pass", "reason": {...}, "scan_id": 42}, or raises AccessDenied, ...

A batch that fails as a whole (a database error) is rolled back and retried one scan per
transaction, so one bad scan never costs the others theirs and nothing half-written stays behind.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sys
import threading
import time
from concurrent.futures import Future

from sqlalchemy import Engine

from fugong.healthcode.scans import ScanConflict, ScanRequest, decide_scans, store_decided
from fugong.store.db import session_scope

log = logging.getLogger(__name__)
SWITCH_INTERVAL_S = 0.0005  # see submit(): how soon the event loop gets the GIL back from this thread


class ScanWriter:
    """One writer thread per engine (per process) storing queued scans in batches of up to ``max_batch``."""

    MAX_ATTEMPTS = 5
    CHECKPOINT_EVERY_S = 0.25

    def __init__(self, engine: Engine, *, max_batch: int = 256, linger_s: float = 0.005,
                 lock: contextlib.AbstractContextManager | None = None) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.linger_s = linger_s
        self.lock = lock or contextlib.nullcontext()  # SQLite: store.db.write_lock
        self._queue: queue.SimpleQueue[tuple[ScanRequest, Future]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches = 0  # batches committed (for tests and diagnostics)
        self._sqlite = engine.dialect.name == "sqlite"
        self._dirty = False  # committed since the last background checkpoint
        self._checkpointing = False

    def submit(self, request: ScanRequest) -> Future:
        """Queue one scan; the future gets the answer once the scan is committed, or the refusal."""
        future: Future = Future()
        self._queue.put((request, future))
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    # The writer shares the GIL with the web server's event loop; while it verifies a
                    # batch of signatures the loop would get the GIL back only every 5 ms (Python's
                    # default switch interval), which shows as tail latency at the gate.
                    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
                    self._thread = threading.Thread(target=self._run, name="fugong-scan-writer", daemon=True)
                    self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            # Linger a moment for more scans: a transaction costs about a millisecond of CPU whatever
            # its size, so at hundreds of scans a second, batches of one would spend the CPU on
            # transactions and the queue would grow until batches grew anyway, at a higher latency.
            deadline = time.monotonic() + self.linger_s
            while len(batch) < self.max_batch:
                wait = deadline - time.monotonic()
                try:
                    batch.append(self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[tuple[ScanRequest, Future]], attempt: int = 1) -> None:
        try:
            # Read and decide first (signatures, revocations: most of the CPU), then write under the
            # database's write lock (store.db.write_lock), held for the INSERT and the commit only.
            # Optimistic: no query for earlier passes (replays are rare); the unique key catches them.
            with session_scope(self.engine) as session:
                decided = decide_scans(session, [request for request, _ in batch], check_replays=attempt > 1)
            with self.lock, session_scope(self.engine) as session:
                answers = store_decided(session, decided)
        except ScanConflict:
            # Another worker stored one of these passes or offline scans since our checks: a new
            # transaction sees it (a replay, or the stored answer).
            if attempt < self.MAX_ATTEMPTS:
                self._write(batch, attempt + 1)
            else:
                self._give_up(batch, ScanConflict("gate scans kept conflicting with another worker's"))
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
            threading.Thread(target=self._checkpoint, name="fugong-scan-checkpoint", daemon=True).start()

    def _checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database in the background, often, so that the
        commit that crosses SQLite's auto-checkpoint threshold (1,000 pages) finds nothing left to
        copy. Otherwise that commit does the copying and the disk sync itself — 80–100 ms measured
        every couple of seconds at 1,000 scans/s — while the gates behind it wait. PASSIVE: never
        blocks readers or writers. Runs while scans are being written; ends when they stop."""
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

    def _give_up(self, batch: list[tuple[ScanRequest, Future]], error: Exception) -> None:
        """A batch that failed: one scan per transaction, so the others are stored; a lone one fails."""
        if len(batch) == 1:
            batch[0][1].set_exception(error)
            return
        log.warning("a batch of %d scans failed (%s); storing them one by one", len(batch), type(error).__name__)
        for item in batch:
            self._write([item])
