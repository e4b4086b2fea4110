"""Engine, sessions and schema upgrade.

``connect(url)`` gives an Engine (SQLite by default, PostgreSQL in production);
``upgrade(engine)`` brings the schema to the newest Alembic revision;
``session_scope(engine)`` is a transaction: commit on success, roll back on any error.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from fugong.config import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def connect(url: str) -> Engine:
    """An Engine for a SQLAlchemy URL; SQLite gets foreign keys and WAL for concurrent readers."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=8)
def shared_engine(url: str) -> Engine:
    """One pooled Engine per URL for the process (web requests must not build an engine each time)."""
    return connect(url)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply every migration up to ``revision`` (idempotent; "heads" follows every domain branch).

    A database already at the code's heads is left alone after one query (every command and server
    start calls this: reading Alembic's revision files each time cost ~60 ms)."""
    if revision == "heads" and current_revision(engine) == head_revision():
        return
    command.upgrade(alembic_config(engine), revision)


class Store(NamedTuple):
    settings: "Settings"
    engine: Engine


def open_store() -> Store:
    """The configured transactional store, its folders made and its schema migrated to head, with the
    settings it came from: how every CLI command that reads or writes the database begins."""
    from fugong.config import get_settings

    settings = get_settings()
    settings.ensure_dirs()
    engine = connect(settings.resolved_database_url)
    upgrade(engine)
    return Store(settings, engine)


def current_revision(engine: Engine) -> str | None:
    """The database's revision(s), comma-separated when several domain branches are applied."""
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest revision(s) the code knows, in the same form as current_revision."""
    return ",".join(sorted(ScriptDirectory(str(MIGRATIONS)).get_heads())) or None


class SQLiteWriteLock:
    """Queue SQLite writers of all processes on one file lock beside the database.

    SQLite has one writer at a time. A writer that finds the database locked waits in SQLite's busy
    handler, which sleeps and retries (1, 2, 5, … up to 100 ms a try), so under steady writes from
    several worker processes (gate scans) the waits grow to tens of milliseconds. A blocking
    ``flock`` wakes the next writer the moment the lock is released. Threads of one process queue
    on a thread lock first (flock is per open file, shared by the process's threads).
    Only for hot write paths; everything else still relies on the busy handler.
    """

    def __init__(self, database: str) -> None:
        self.path = database + ".write-lock"
        self._thread = threading.Lock()
        self._fd: int | None = None

    def __enter__(self) -> SQLiteWriteLock:
        self._thread.acquire()
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            if _fcntl is not None:
                _fcntl.flock(self._fd, _fcntl.LOCK_EX)
        except BaseException:
            self._thread.release()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        try:
            if _fcntl is not None and self._fd is not None:
                _fcntl.flock(self._fd, _fcntl.LOCK_UN)
        finally:
            self._thread.release()


try:
    import fcntl as _fcntl
except ImportError:  # pragma: no cover - Windows: one process's threads are still queued
    _fcntl = None

_WRITE_LOCKS: dict[str, SQLiteWriteLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def write_lock(engine: Engine) -> contextlib.AbstractContextManager:
    """The lock hot write paths take around their transaction: SQLiteWriteLock for a SQLite file,
    nothing for PostgreSQL (row locks and MVCC; concurrent writers are fine) or an in-memory SQLite."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        return contextlib.nullcontext()
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(database)
        if lock is None:
            lock = _WRITE_LOCKS[database] = SQLiteWriteLock(os.path.abspath(database))
    return lock


_FACTORIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _session_factory(engine: Engine) -> sessionmaker:
    """One sessionmaker per engine: each new sessionmaker is a new Session class, whose event set-up
    cost about 0.4 ms per transaction when made afresh (it showed in gate-scan profiles)."""
    factory = _FACTORIES.get(engine)
    if factory is None:
        factory = _FACTORIES[engine] = sessionmaker(engine, expire_on_commit=False)
    return factory


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: everything inside commits together or not at all."""
    session = _session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
