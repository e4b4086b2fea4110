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
transaction, so one bad scan never costs the others theirs and nothing half-written stays behind
(the queue, the batches and the retries: fugong.workflow.group_commit).
"""

from __future__ import annotations

from fugong.healthcode.scans import ScanConflict, ScanRequest, decide_scans, store_decided
from fugong.store.db import session_scope
from fugong.workflow.group_commit import GroupCommit, Retry


class ScanWriter(GroupCommit):
    """One writer thread per engine (per process) storing queued scans in batches of up to ``max_batch``."""

    name = "fugong-scan-writer"

    def write(self, items: list[ScanRequest], attempt: int) -> list:
        # Read and decide first (signatures, revocations: most of the CPU), then write under the
        # database's write lock (store.db.write_lock), held for the INSERT and the commit only.
        # Optimistic: no query for earlier passes (replays are rare); the unique key catches them.
        try:
            with session_scope(self.engine) as session:
                decided = decide_scans(session, items, check_replays=attempt > 1)
            with self.lock, session_scope(self.engine) as session:
                return store_decided(session, decided)
        except ScanConflict as conflict:
            # Another worker stored one of these passes or offline scans since our checks: a new
            # transaction sees it (a replay, or the stored answer).
            raise Retry(error=ScanConflict("gate scans kept conflicting with another worker's")) from conflict
