"""A signed-in officer opening / lands on the overview; visitors and other roles see the home page."""

import pytest
from fastapi.testclient import TestClient

from fugong.access import SYSTEM
from fugong.accounts import service
from fugong.config import load_settings
from fugong.store.db import connect, session_scope, upgrade
from fugong.web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def client(db_url, tmp_path):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path), "FUGONG_DATABASE_URL": db_url})
    engine = connect(db_url)
    upgrade(engine)
    with session_scope(engine) as session:
        service.add_user(session, actor=SYSTEM, username="li", role="officer",
                         region_prefix="3301", password=PASSWORD)
        service.add_user(session, actor=SYSTEM, username="gate1", role="gate_staff",
                         region_prefix="3301", password=PASSWORD)
    with TestClient(create_app(settings)) as client:
        yield client


def _login(client, username):
    page = client.get("/login")
    token = page.text.split('type="hidden" name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token, "next": "/"}, follow_redirects=False)
    assert response.status_code == 303, response.text


def test_a_visitor_sees_the_home_page(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 200


def test_an_officer_is_sent_to_the_overview(client):
    _login(client, "li")
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/overview"


def test_gate_staff_are_not_sent_to_the_overview(client):
    _login(client, "gate1")
    assert client.get("/", follow_redirects=False).status_code == 200
