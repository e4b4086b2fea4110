"""Fixtures for dashboard tests: one small computed data set per session (read-only), an app, users.

The data: the calibrated synthetic Zhejiang at scale 0.003 (1,000 enterprises), index results for
January-February 2020 (``fugong.dashboard.sample.prepare``, about 3 s once per session).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.dashboard.helpers import build_app, log_in, make_user


@pytest.fixture(scope="session")
def served_data(tmp_path_factory):
    from fugong.dashboard.sample import prepare

    data_dir = tmp_path_factory.mktemp("dashboard-data")
    prepare(data_dir=data_dir)
    return data_dir


@pytest.fixture
def app(engine, db_url, served_data):
    app = build_app(db_url, served_data)
    yield app
    if getattr(app.state, "db_engine", None) is not None:
        app.state.db_engine.dispose()


@pytest.fixture
def client_for(app, engine):
    """client_for(role, prefix) → a TestClient logged in as a new user with that role and prefix."""
    clients = []

    def make(role: str = "officer", region_prefix: str = "3301", enterprise_ids=()):
        username = f"{role.replace('_', '')}{len(clients)}{region_prefix or 'all'}"
        make_user(engine, username, role=role, region_prefix=region_prefix, enterprise_ids=enterprise_ids)
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        response = log_in(client, username)
        assert response.status_code == 303, response.text
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
