"""Fixtures for account tests: a cheap argon2id hasher, an app with accounts, a client."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.accounts.helpers import build_app


@pytest.fixture
def app(engine, db_url, tmp_path):
    app = build_app(db_url, tmp_path / "data")
    yield app
    if getattr(app.state, "db_engine", None) is not None:
        app.state.db_engine.dispose()


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client
