"""Engine, sessions and schema upgrade.

``connect(url)`` gives an Engine (SQLite by default, PostgreSQL in production);
``upgrade(engine)`` brings the schema to the newest Alembic revision;
``session_scope(engine)`` is a transaction: commit on success, roll back on any error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

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
    """Apply every migration up to ``revision`` (idempotent; "heads" follows every domain branch)."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The database's revision(s), comma-separated when several domain branches are applied."""
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest revision(s) the code knows, in the same form as current_revision."""
    return ",".join(sorted(ScriptDirectory(str(MIGRATIONS)).get_heads())) or None


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: everything inside commits together or not at all."""
    factory = sessionmaker(engine, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
