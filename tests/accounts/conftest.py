"""Fixtures for account tests: a cheap argon2id hasher, an app with accounts, a client."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from fugong.accounts import security
from tests.accounts.helpers import build_app


@pytest.fixture(autouse=True)
def cheap_hashing():
    """argon2id with tiny parameters: the same code path, milliseconds instead of 64 MiB per hash."""
    previous = security.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    security.use_password_hasher(previous)


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
