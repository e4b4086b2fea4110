"""The sealer waits only for open transactions on its own database's audit table. Databases copied
from one template (as every PostgreSQL test database is, and as operators clone a region's database)
give that table the same relation OID, and ``pg_locks`` lists every database's locks: counted
without the database, a writer next door would stop this database's seals for as long as it stays
open."""

import datetime as dt
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fugong.store.audit import record_change, seal_all
from fugong.store.db import connect, session_scope
from tests.conftest import POSTGRES_URL, _postgres_admin, _postgres_database_url


@pytest.fixture
def neighbour_url(postgres_template):
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = _postgres_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}" STRATEGY FILE_COPY'))
    yield _postgres_database_url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _write_here_and_seal(engine) -> int:
    with session_scope(engine) as session:
        record_change(session, actor="system:w", action="test.write", entity="x", entity_id="here")
    return seal_all(engine, grace=dt.timedelta(0))


def test_an_open_writer_in_a_copy_of_the_database_does_not_stop_seals_here(db_url, engine, request):
    if not db_url.startswith("postgresql"):
        # SQLite: one file, one writer lock; nothing is shared with another database.
        assert _write_here_and_seal(engine) == 1
        return
    assert POSTGRES_URL
    neighbour = connect(request.getfixturevalue("neighbour_url"))
    open_next_door = Session(neighbour)
    try:
        record_change(open_next_door, actor="system:ingest", action="test.write", entity="x", entity_id="next door")
        open_next_door.flush()  # holds RowExclusiveLock on its audit_entries until it ends

        assert _write_here_and_seal(engine) == 1
    finally:
        open_next_door.rollback()
        open_next_door.close()
        neighbour.dispose()
