"""GET /api/code/keys is a read: it creates no key and no audit entry (before, the first call made a
signing key); keys come from set-up (fugong demo, fugong code keys rotate), and the database allows
one active key only."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fugong.access import SYSTEM
from fugong.healthcode.models import SigningKey
from fugong.healthcode.tokens import NoSigningKey, active_key, rotate_keys
from fugong.store.audit import AuditEntry
from fugong.store.db import connect, session_scope, upgrade
from tests.healthcode.web_helpers import build_app


def _counts(engine):
    with session_scope(engine) as session:
        return (session.scalar(select(func.count()).select_from(SigningKey)),
                session.scalar(select(func.count()).select_from(AuditEntry)))


def test_reading_the_keys_of_a_fresh_database_writes_nothing(db_url, tmp_path):
    fresh = connect(db_url)  # no key yet (the engine fixture would make one)
    upgrade(fresh)
    app = build_app(db_url, tmp_path / "data")
    try:
        with TestClient(app) as client:
            for _ in range(2):
                response = client.get("/api/code/keys")
                assert response.status_code == 200 and response.json() == {"keys": []}
        assert _counts(fresh) == (0, 0)
        with session_scope(fresh) as session, pytest.raises(NoSigningKey):
            active_key(session)
    finally:
        if getattr(app.state, "db_engine", None) is not None:
            app.state.db_engine.dispose()
        fresh.dispose()


def test_the_database_refuses_a_second_active_key(engine):
    with session_scope(engine) as session:
        rotate_keys(session, SYSTEM)
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        row = session.scalars(select(SigningKey).where(SigningKey.active.is_(False))).first()
        row.active = True  # a second active key, as two racing "create on first use" calls made
        session.flush()
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(SigningKey).where(SigningKey.active.is_(True))) == 1
