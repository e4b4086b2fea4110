"""The anonymous home page is the sign-in page and shows nothing internal; /healthz answers only its
status; /index.json reveals nothing internal. Chinese first, English one click away."""

import pytest
from fastapi.testclient import TestClient

from fugong.config import load_settings
from fugong.store.db import connect, current_revision, upgrade
from fugong.web.app import create_app


@pytest.fixture
def client(db_url, tmp_path):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path), "FUGONG_DATABASE_URL": db_url,
                              "FUGONG_AS_OF": "2020-02-20"})
    upgrade(connect(db_url))
    with TestClient(create_app(settings)) as client:
        yield client


INTERNAL = ("sqlite", "postgresql", "duckdb", "schema", "2020-02-20")


def test_the_health_endpoint_answers_only_its_status(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_the_health_endpoint_answers_not_ok_when_the_schema_is_behind(tmp_path):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path), "FUGONG_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"})
    with TestClient(create_app(settings)) as client:  # never migrated
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json() == {"status": "degraded"}


def test_the_first_page_is_the_sign_in_page_in_chinese(client):
    page = client.get("/")
    assert page.status_code == 200
    assert 'lang="zh-CN"' in page.text and "复工复产指挥平台" in page.text
    assert 'action="/login"' in page.text and 'name="password"' in page.text


def test_the_first_page_shows_nothing_internal(db_url, client):
    page = client.get("/").text.lower()
    revision = current_revision(connect(db_url))
    for marker in (*INTERNAL, revision):
        assert marker.lower() not in page, marker


def test_the_json_twin_reveals_nothing_internal(db_url, client):
    twin = client.get("/index.json")
    assert set(twin.json()) == {"product", "title", "sign_in", "register"}
    for marker in (*INTERNAL, current_revision(connect(db_url))):
        assert marker not in twin.text


def test_english_is_one_click_away_and_remembered(client):
    page = client.get("/?lang=en")
    assert 'lang="en"' in page.text and "Work Resumption Command Centre" in page.text
    assert client.cookies.get("lang") == "en"
    assert 'lang="en"' in client.get("/").text


def test_the_api_is_described_at_openapi_json(client):
    spec = client.get("/openapi.json").json()
    assert "/healthz" in spec["paths"]


def test_vendored_htmx_and_echarts_are_served(client):
    for asset in ("/static/vendor/htmx.min.js", "/static/vendor/echarts.min.js", "/static/shell.js", "/static/print.css"):
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 300
