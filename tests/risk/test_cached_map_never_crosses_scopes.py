"""Cached maps are kept per scope: officers of Hangzhou and Ningbo asking in turn each get only their
own counties' grades and changes, in the JSON, the page and the SVG."""

import json
import re

import pytest
from fastapi.testclient import TestClient

from fugong.access import SYSTEM
from fugong.accounts import service as accounts
from fugong.config import load_settings
from fugong.store.db import session_scope
from fugong.web.app import create_app
from tests.risk.web_seed import HANGZHOU_COUNTY, NINGBO_COUNTY, seed


@pytest.fixture
def officers(engine, db_url, tmp_path):
    """{city prefix: TestClient of an officer of that city (API token)} on one app."""
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path / "data"), "FUGONG_DATABASE_URL": db_url})
    tokens = {}
    with session_scope(engine) as session:
        seed(session)
        for city in ("3301", "3302"):
            accounts.add_user(session, actor=SYSTEM, username=f"officer-{city}", role="officer", region_prefix=city)
            tokens[city] = accounts.create_api_token(session, actor=SYSTEM, username=f"officer-{city}", name="t").token
    app = create_app(settings)
    clients = {}
    for city, token in tokens.items():
        clients[city] = TestClient(app)
        clients[city].headers["Authorization"] = f"Bearer {token}"
    yield clients
    if getattr(app.state, "db_engine", None) is not None:
        app.state.db_engine.dispose()


def _page_view(client) -> dict:
    page = client.get("/risk/map").text
    return json.loads(re.search(r'<script id="risk-data" type="application/json"[^>]*>(.*?)</script>', page, re.S).group(1))


def test_officers_of_two_cities_asking_in_turn_get_only_their_own_grades(officers):
    own = {"3301": HANGZHOU_COUNTY, "3302": NINGBO_COUNTY}
    for _ in range(2):  # the second round is answered from the cache
        for city, client in officers.items():
            other = next(code for c, code in own.items() if c != city)
            for view in (client.get("/risk/map.json").json(), _page_view(client)):
                assert [g["region_code"] for g in view["grades"]] == [own[city]]
                assert all(c["region_code"].startswith(city) for c in view["changes"])
                assert sum(view["counts"].values()) == 1
            assert other not in client.get("/risk/map.json").text
            assert other not in client.get("/risk/map").text


def test_a_drill_down_prefix_of_another_city_is_refused_even_when_cached_for_it(officers):
    assert officers["3302"].get("/risk/map.json?prefix=3302").status_code == 200
    assert officers["3301"].get("/risk/map.json?prefix=3302").status_code == 404
    assert officers["3301"].get("/risk/map?prefix=3302").status_code == 404
