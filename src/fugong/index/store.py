"""Parquet store of enterprises and meter readings: versioned manifests, one writer at a time.

Layout under ``settings.parquet_dir``::

    _manifest.json                      the current version (replaced atomically, os.replace):
        {"version": 7, "committed_at": 1700000000.0, "pending_audit": "<txid>" | null,
         "files": {"enterprises": ["enterprises/part-<id>.parquet"],
                   "daily": ["meters/daily/month=2020-02/part-<id>.parquet", …],
                   "interval_days": ["meters/interval_days/month=2020-02/part-<id>.parquet", …]}}
    _versions/v000000000007.json        the same document for every version still protected
    _journal/<txid>.json                audit entries of a commit (see "Audit" below)
    .write.lock                         the writers' lock (fcntl.flock)
    enterprises/part-<id>.parquet       enterprise_id, region_code, industry_code, size_class, name, uscc
    meters/daily/month=YYYY-MM/part-<id>.parquet         enterprise_id, date, kwh, source (daily|interval)
    meters/interval_days/month=YYYY-MM/part-<id>.parquet enterprise_id, date, kwh, intervals, expected,
                                                          completeness, peak, mean, night_day_ratio, flatness

Guarantees (tested in tests/index/test_store_*.py, with real processes):

- **One writer at a time.** ``writing(settings)`` holds an exclusive ``flock`` on ``.write.lock``
  from before it reads the current version until after it commits; a second writer waits. The
  kernel drops the lock when a process dies, so a killed writer never blocks the next. ``flock`` is
  reliable on one machine only: the data folder must not be shared between machines (NFS, SMB).
- **Atomic commits.** A commit writes its new part files under fresh names (invisible until
  listed), then the next version's manifest in one ``os.replace``. Everything a commit changes —
  daily totals, interval features, enterprises, and the journal of its audit entries — becomes
  visible in that one rename, or not at all.
- **Consistent readers.** ``snapshot(settings)`` reads the manifest once: a reader sees one version,
  never a mix. ``reading(settings)`` also pins the version (a shared ``flock`` on its version
  file) for as long as the reader works.
- **Careful garbage collection.** After a commit, a part file is deleted only if no protected
  version lists it and it is older than the grace period (``FUGONG_STORE_GRACE_SECONDS``, 600 s).
  A version is protected while it is current, while it was superseded less than the grace period
  ago, or while a reader pins it. Files of a killed writer (unlisted parts, ``.staging-*`` folders,
  temporary manifests) are removed by the first commit after the grace period.
- **Audit.** A commit's audit entries are written to ``_journal/<txid>.json`` before the manifest
  swap and named in the new manifest (``pending_audit``); after the swap they are committed to the
  database with a marker entry (``index_store.commit``, entity id = txid). A crash in between leaves
  the journal listed: the next writer replays it (once: it looks for the marker first). So a change
  is never visible without its audit entries being durable beside it.

An older store (one manifest per dataset, ``enterprises/enterprises.parquet``) is read as version 0
and converted by its first commit.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

DATASETS = ("enterprises", "daily", "interval_days")
FOLDERS = {"enterprises": "enterprises", "daily": "meters/daily", "interval_days": "meters/interval_days"}
DAILY = FOLDERS["daily"]
INTERVAL_DAYS = FOLDERS["interval_days"]
ENTERPRISES = "enterprises/enterprises.parquet"  # the older layout's single file
DEFAULT_GRACE_SECONDS = 600.0


class StoreBusy(RuntimeError):
    """Another writer holds the store (only raised when the caller asked not to wait)."""


def daily_root(settings) -> Path:
    return Path(settings.parquet_dir) / DAILY


def interval_root(settings) -> Path:
    return Path(settings.parquet_dir) / INTERVAL_DAYS


def manifest_path(settings) -> Path:
    return Path(settings.parquet_dir) / "_manifest.json"


def grace_seconds(settings) -> float:
    return float(getattr(settings, "store_grace_seconds", DEFAULT_GRACE_SECONDS))


def month_of(rel: str) -> str | None:
    """'meters/daily/month=2020-02/part-x.parquet' → '2020-02' (None for unpartitioned files)."""
    for part in rel.split("/"):
        if part.startswith("month="):
            return part.removeprefix("month=")
    return None


# --- snapshots ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """One version of the store: the files each dataset had when the manifest was read."""

    root: Path
    version: int
    files_by_dataset: dict
    committed_at: float = 0.0
    pending_audit: str | None = None

    def listed(self, dataset: str) -> list[str]:
        return list(self.files_by_dataset.get(dataset, []))

    def files(self, dataset: str = "daily", months: set[str] | None = None) -> list[Path]:
        """Absolute paths of a dataset's files, optionally only those of some months ('2020-02')."""
        return [self.root / rel for rel in self.listed(dataset) if months is None or month_of(rel) in months]

    def months(self, dataset: str = "daily") -> set[str]:
        return {m for m in (month_of(rel) for rel in self.listed(dataset)) if m}

    def enterprises_path(self) -> Path | None:
        files = self.listed("enterprises")
        return self.root / files[0] if files else None

    def read_enterprises(self, columns: list[str] | None = None):
        """The stored enterprises as a pyarrow table (FileNotFoundError with advice if none)."""
        import pyarrow.parquet as pq

        path = self.enterprises_path()
        if path is None:
            raise FileNotFoundError(f"no enterprises in {self.root}: run `fugong index ingest enterprises FILE` first")
        return pq.read_table(path, columns=columns)

    def document(self) -> dict:
        return {"version": self.version, "committed_at": self.committed_at, "pending_audit": self.pending_audit,
                "files": {name: sorted(self.listed(name)) for name in DATASETS}}


def _legacy(root: Path) -> Snapshot:
    """Version 0: the older layout (a manifest per dataset, one enterprises file), or an empty store."""
    files: dict[str, list[str]] = {name: [] for name in DATASETS}
    for name in ("daily", "interval_days"):
        manifest = root / FOLDERS[name] / "_manifest.json"
        if manifest.exists():
            files[name] = [f"{FOLDERS[name]}/{rel}" for rel in json.loads(manifest.read_text(encoding="utf-8"))["files"]]
    if (root / ENTERPRISES).exists():
        files["enterprises"] = [ENTERPRISES]
    return Snapshot(root=root, version=0, files_by_dataset=files)


def _load(root: Path) -> Snapshot:
    path = root / "_manifest.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _legacy(root)
    return Snapshot(root=root, version=int(doc["version"]), files_by_dataset=doc["files"],
                    committed_at=float(doc.get("committed_at", 0.0)), pending_audit=doc.get("pending_audit"))


def snapshot(settings) -> Snapshot:
    """The current version, read once (a reader that uses only these files sees one version)."""
    return _load(Path(settings.parquet_dir))


def _version_file(root: Path, version: int) -> Path:
    return root / "_versions" / f"v{version:012d}.json"


@contextlib.contextmanager
def reading(settings) -> Iterator[Snapshot]:
    """The current version, pinned while the block runs: garbage collection keeps its files."""
    root = Path(settings.parquet_dir)
    for _attempt in range(5):
        snap = _load(root)
        if snap.version == 0:
            yield snap
            return
        try:
            handle = open(_version_file(root, snap.version), "rb")
        except FileNotFoundError:  # collected between the two reads: a newer version is current
            continue
        with handle:
            fcntl.flock(handle, fcntl.LOCK_SH)
            yield snap
            return
    yield _load(root)


# --- writing -------------------------------------------------------------------------------------


def before_commit() -> None:
    """Hook called just before a manifest is replaced (a test makes it raise to simulate a crash)."""


def after_commit() -> None:
    """Hook called after the manifest swap, before the audit entries reach the database (tests)."""


@dataclass
class Transaction:
    """The changes of one writer, made visible together by ``commit``."""

    settings: object
    base: Snapshot
    files: dict = field(default_factory=dict)
    written: list = field(default_factory=list)  # new files (relative), deleted if we abort
    audit_entries: list = field(default_factory=list)
    txid: str = field(default_factory=lambda: uuid.uuid4().hex)
    committed: Snapshot | None = None

    @property
    def root(self) -> Path:
        return self.base.root

    def _new_rel(self, dataset: str, month: str | None) -> str:
        folder = FOLDERS[dataset] + (f"/month={month}" if month else "")
        (self.root / folder).mkdir(parents=True, exist_ok=True)
        rel = f"{folder}/part-{uuid.uuid4().hex}.parquet"
        self.written.append(rel)
        return rel

    def write_part(self, dataset: str, month: str | None, table) -> str:
        """Write one new (not yet listed) part file; returns its path relative to the store."""
        import pyarrow.parquet as pq

        rel = self._new_rel(dataset, month)
        pq.write_table(table, self.root / rel, compression="zstd", row_group_size=1_000_000)
        return rel

    def write_months(self, dataset: str, con, query: str) -> list[str]:
        """Write the rows of ``query`` (a DuckDB query with an integer ``month`` column YYYYMM) as new,
        not yet listed part files, one streamed COPY for every month; returns their relative paths.
        (An integer key partitions faster than a 'YYYY-MM' string made for every row.)"""
        folder = self.root / FOLDERS[dataset]
        folder.mkdir(parents=True, exist_ok=True)
        staging = folder / f".staging-{uuid.uuid4().hex}"
        try:
            con.execute(f"""COPY ({query}) TO {sql_literal(str(staging))} (FORMAT PARQUET, PARTITION_BY (month),
                            COMPRESSION zstd, ROW_GROUP_SIZE 1000000)""")
            added = []
            for path in sorted(staging.glob("month=*/*.parquet")):
                number = path.parent.name.removeprefix("month=")
                rel = self._new_rel(dataset, f"{number[:4]}-{number[4:6]}")
                os.replace(path, self.root / rel)
                added.append(rel)
            return added
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def replace(self, dataset: str, *, added: list[str], months: set[str] | None) -> None:
        """In the next version, ``dataset`` = its files outside ``months`` (None: none kept) + ``added``."""
        current = self.files.get(dataset, self.base.listed(dataset))
        keep = [] if months is None else [rel for rel in current if month_of(rel) not in months]
        self.files[dataset] = sorted(keep + list(added))

    def set_enterprises(self, table) -> None:
        self.replace("enterprises", added=[self.write_part("enterprises", None, table)], months=None)

    def audit(self, **entry) -> None:
        """An audit entry (``fugong.store.audit.record_change`` arguments) committed with this change."""
        self.audit_entries.append(entry)

    def commit(self) -> Snapshot:
        """Make every change visible in one manifest swap, then write the audit entries."""
        files = {name: self.files.get(name, self.base.listed(name)) for name in DATASETS}
        pending = None
        if self.audit_entries:
            pending = self.txid
            journal = self.root / "_journal" / f"{self.txid}.json"
            journal.parent.mkdir(parents=True, exist_ok=True)
            _write_json(journal, {"txid": self.txid, "version": self.base.version + 1,
                                  "entries": [_plain(e) for e in self.audit_entries]})
        new = Snapshot(root=self.root, version=self.base.version + 1, files_by_dataset=files,
                       committed_at=time.time(), pending_audit=pending)
        _write_json(_version_file(self.root, new.version), new.document())
        tmp = self.root / f"._manifest-{uuid.uuid4().hex}.tmp"
        _write_json(tmp, new.document())
        before_commit()  # tests inject a crash here
        os.replace(tmp, self.root / "_manifest.json")
        self.committed = new
        self.written = []
        after_commit()  # tests inject a crash here
        if pending:
            _apply_journal(self.settings, self.root, pending)
        collect_garbage(self.settings)
        return new

    def abort(self) -> None:
        """Delete the files this transaction wrote (nothing of them is listed)."""
        for rel in self.written:
            (self.root / rel).unlink(missing_ok=True)
        self.written = []


def _plain(value):
    """JSON-ready copy of an audit entry (dates as ISO text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}-{uuid.uuid4().hex}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@contextlib.contextmanager
def write_lock(settings, *, wait: bool = True, on_wait=None) -> Iterator[None]:
    """The writers' exclusive lock (one machine; see the module docstring)."""
    root = Path(settings.parquet_dir)
    with exclusive(root / ".write.lock", busy=f"{root}: another ingest is writing", wait=wait, on_wait=on_wait):
        yield


@contextlib.contextmanager
def exclusive(path: Path, *, busy: str, wait: bool = True, on_wait=None) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` across processes, dropped by the kernel if the holder dies;
    ``on_wait()`` is called once before waiting for another holder, StoreBusy(``busy``) raised instead
    with ``wait=False``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise StoreBusy(f"{busy}; try again when it has finished") from None
            if on_wait:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def writing(settings, *, wait: bool = True, on_wait=None) -> Iterator[Transaction]:
    """A transaction on the current version, under the writers' lock. Commit it inside the block;
    leaving the block without a commit (or by an exception) deletes the files it wrote."""
    with write_lock(settings, wait=wait, on_wait=on_wait):
        base = snapshot(settings)
        if base.pending_audit:
            _apply_journal(settings, base.root, base.pending_audit)
        txn = Transaction(settings=settings, base=base)
        try:
            yield txn
        finally:
            if txn.committed is None:
                txn.abort()


def _apply_journal(settings, root: Path, txid: str) -> None:
    """Write a commit's journalled audit entries to the database, once (the marker says if done)."""
    from sqlalchemy import select

    from fugong.store.audit import AuditEntry, record_change

    path = root / "_journal" / f"{txid}.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    with audit_session(settings) as session:
        done = session.scalar(select(AuditEntry.id).where(AuditEntry.entity == "index_store", AuditEntry.entity_id == txid))
        if done is None:
            for entry in doc["entries"]:
                record_change(session, **entry)
            record_change(session, actor=doc["entries"][0].get("actor", "system") if doc["entries"] else "system",
                          action="index_store.commit", entity="index_store", entity_id=txid,
                          after={"version": doc["version"], "entries": len(doc["entries"])})
            session.commit()


@contextlib.contextmanager
def audit_session(settings):
    """A session on the settings' database, migrated first if it has no audit log yet (a fresh data
    folder: ``fugong index ingest`` is often the first command run)."""
    from sqlalchemy import inspect
    from sqlalchemy.orm import Session

    from fugong.store.db import shared_engine, upgrade

    engine = shared_engine(settings.resolved_database_url)
    if not inspect(engine).has_table("audit_log"):
        upgrade(engine)
    with Session(engine) as session:
        yield session


def sql_literal(text: str) -> str:
    """A SQL string literal (single quotes doubled): for paths in DuckDB statements that take no parameters."""
    return "'" + str(text).replace("'", "''") + "'"


# --- garbage collection ---------------------------------------------------------------------------


def _pinned(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
    except FileNotFoundError:
        return False
    return False


def collect_garbage(settings, *, now: float | None = None) -> list[str]:
    """Delete files no protected version lists and older than the grace period; returns them
    (relative). Call with the writers' lock held (every commit does)."""
    root = Path(settings.parquet_dir)
    now = time.time() if now is None else now
    grace = grace_seconds(settings)
    current = _load(root)
    protected = {rel for name in DATASETS for rel in current.listed(name)}
    journals = {current.pending_audit} if current.pending_audit else set()
    versions = sorted(root.glob("_versions/v*.json"))
    docs = []
    for path in versions:
        try:
            docs.append((path, json.loads(path.read_text(encoding="utf-8"))))
        except (FileNotFoundError, ValueError):
            continue
    removed: list[str] = []
    for (path, doc), successor in zip(docs, [d for _p, d in docs[1:]] + [None]):
        if doc["version"] >= current.version:
            continue
        superseded_at = successor["committed_at"] if successor else current.committed_at
        if now - superseded_at < grace or _pinned(path):
            protected |= {rel for name in DATASETS for rel in doc["files"].get(name, [])}
            if doc.get("pending_audit"):
                journals.add(doc["pending_audit"])
        else:
            path.unlink(missing_ok=True)
    if current.version > 0 and now - current.committed_at < grace:
        protected |= {rel for name in DATASETS for rel in _legacy(root).listed(name)}

    def old(path: Path) -> bool:
        try:
            return now - path.stat().st_mtime >= grace
        except FileNotFoundError:
            return False

    candidates = [*root.glob("meters/*/month=*/part-*.parquet"), *root.glob("enterprises/part-*.parquet"),
                  *root.glob(ENTERPRISES)]
    for path in candidates:
        rel = path.relative_to(root).as_posix()
        if rel not in protected and old(path):
            path.unlink(missing_ok=True)
            removed.append(rel)
    for path in [*root.glob("meters/*/.staging-*"), *root.glob("._manifest-*.tmp"), *root.glob("_versions/.*.tmp"),
                 *root.glob("_journal/.*.tmp"), *root.glob("enterprises/.enterprises-*.tmp")]:
        if old(path):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
            removed.append(path.relative_to(root).as_posix())
    for path in root.glob("_journal/*.json"):
        if path.stem not in journals and old(path):
            path.unlink(missing_ok=True)
    return removed


# --- conveniences ---------------------------------------------------------------------------------


def enterprises_path(settings) -> Path | None:
    """The current version's enterprises file (None when none was ingested). A replacement writes a
    new file, so callers may cache what they read from it by path."""
    return snapshot(settings).enterprises_path()


def daily_files(settings) -> list[Path]:
    return snapshot(settings).files("daily")


def read_enterprises(settings, columns: list[str] | None = None):
    """The stored enterprises as a pyarrow table (FileNotFoundError with advice if none)."""
    return snapshot(settings).read_enterprises(columns)


def write_enterprises(settings, table, *, actor: str = "system", reason: str | None = None) -> None:
    """Replace the enterprises atomically (one audited commit)."""
    with writing(settings) as txn:
        txn.set_enterprises(table)
        txn.audit(actor=actor, action="index_enterprises.load", entity="index_enterprises", entity_id="all",
                  after={"enterprises": table.num_rows}, reason=reason)
        txn.commit()
