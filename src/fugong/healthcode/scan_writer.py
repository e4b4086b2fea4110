"""Group commit for gate scans: many gates scanning at once share one transaction.

At the morning shift change every gate of a park scans at once. Committing each scan on its own
costs a transaction (and on SQLite the single write lock) per scan; here scans queue up while the
previous batch commits, and one writer thread stores the next batch in one transaction
(``scans.scan_many``: a handful of queries for the whole batch). The caller gets its answer only
after the commit, so an answer always means a stored scan.

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
import threading
from concurrent.futures import Future

from sqlalchemy import Engine

from fugong.healthcode.scans import ScanConflict, ScanRequest, scan_many
from fugong.store.db import session_scope

log = logging.getLogger(__name__)


class ScanWriter:
    """One writer thread per engine (per process) storing queued scans in batches of up to ``max_batch``."""

    MAX_ATTEMPTS = 5

    def __init__(self, engine: Engine, *, max_batch: int = 256, lock: threading.Lock | None = None) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.lock = lock or contextlib.nullcontext()  # SQLite: the process's writer lock
        self._queue: queue.SimpleQueue[tuple[ScanRequest, Future]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches = 0  # batches committed (for tests and diagnostics)

    def submit(self, request: ScanRequest) -> Future:
        """Queue one scan; the future gets the answer once the scan is committed, or the refusal."""
        future: Future = Future()
        self._queue.put((request, future))
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="fugong-scan-writer", daemon=True)
                    self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[tuple[ScanRequest, Future]], attempt: int = 1) -> None:
        try:
            with self.lock, session_scope(self.engine) as session:
                answers = scan_many(session, [request for request, _ in batch])
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
        for (_, future), answer in zip(batch, answers):
            if isinstance(answer, Exception):
                future.set_exception(answer)
            else:
                future.set_result(answer)

    def _give_up(self, batch: list[tuple[ScanRequest, Future]], error: Exception) -> None:
        """A batch that failed: one scan per transaction, so the others are stored; a lone one fails."""
        if len(batch) == 1:
            batch[0][1].set_exception(error)
            return
        log.warning("a batch of %d scans failed (%s); storing them one by one", len(batch), type(error).__name__)
        for item in batch:
            self._write([item])
