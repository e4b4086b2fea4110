"""The web app starts with a health endpoint and a first page that has a JSON twin, Chinese first."""

import pytest
from fastapi.testclient import TestClient

from fugong.config import load_settings
from fugong.store.db import connect, upgrade
from fugong.web.app import create_app


@pytest.fixture
def client(db_url, tmp_path):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path), "FUGONG_DATABASE_URL": db_url,
                              "FUGONG_AS_OF": "2020-02-20"})
    upgrade(connect(db_url))
    with TestClient(create_app(settings)) as client:
        yield client


def test_the_health_endpoint_reports_an_up_to_date_schema(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["schema_up_to_date"] is True
    assert body["engine"] == "duckdb"


def test_the_first_page_is_chinese_by_default(client):
    page = client.get("/")
    assert page.status_code == 200
    assert 'lang="zh-CN"' in page.text
    assert "复工复产指挥平台" in page.text


def test_english_is_one_click_away_and_remembered(client):
    page = client.get("/?lang=en")
    assert 'lang="en"' in page.text and "Work Resumption Command Centre" in page.text
    assert client.cookies.get("lang") == "en"
    assert 'lang="en"' in client.get("/").text


def test_the_first_page_has_a_json_twin_with_the_same_facts(client):
    twin = client.get("/index.json").json()
    assert twin["as_of"] == "2020-02-20"
    assert twin["schema_revision"]
    assert twin["schema_revision"] in client.get("/").text


def test_the_api_is_described_at_openapi_json(client):
    spec = client.get("/openapi.json").json()
    assert "/healthz" in spec["paths"]


def test_vendored_htmx_and_echarts_are_served(client):
    for asset in ("/static/vendor/htmx.min.js", "/static/vendor/echarts.min.js"):
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 10_000


def test_an_embedded_page_has_no_header_or_footer(client):
    assert '<header class="top">' in client.get("/").text
    embedded = client.get("/?embed=1").text
    assert '<header class="top">' not in embedded and "<footer>" not in embedded
    assert "复工复产指挥平台" in embedded  # the content itself is still there
