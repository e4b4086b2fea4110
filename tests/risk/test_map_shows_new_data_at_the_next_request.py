"""The map and its JSON are built once per data version (fugong.web.viewcache): a publication stored,
a publication re-graded, or new index results show at the very next request, page and JSON."""

import datetime as dt
import json
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from fugong.access import SYSTEM
from fugong.accounts import service as accounts
from fugong.config import load_settings
from fugong.index.service import results_dir
from fugong.risk import services, views
from fugong.risk.publication import Publication
from fugong.risk.rules import load_rules
from fugong.store.db import session_scope
from fugong.web.app import create_app
from tests.risk.web_seed import HANGZHOU_COUNTY, seed

RULES = "zj-five-colour-2020"


@pytest.fixture
def officer(engine, db_url, tmp_path):
    """A Hangzhou officer (API token) on seeded publications; the app has no as-of date (latest shown)."""
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path / "data"), "FUGONG_DATABASE_URL": db_url})
    with session_scope(engine) as session:
        seed(session, RULES)
        accounts.add_user(session, actor=SYSTEM, username="hz", role="officer", region_prefix="3301")
        token = accounts.create_api_token(session, actor=SYSTEM, username="hz", name="t").token
    app = create_app(settings)
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client
    if getattr(app.state, "db_engine", None) is not None:
        app.state.db_engine.dispose()


def _store(engine, day: dt.date, level_index: int) -> str:
    """Store a publication grading Hangzhou's county at the rule set's level number ``level_index``."""
    rules = load_rules(RULES)
    level = [lv for lv in rules.levels if not lv.grey][level_index]
    grade = {"region_code": HANGZHOU_COUNTY, "name": "余杭区", "level": level.key, "severity": level.severity,
             "colour": level.colour, "score": None, "reasons_zh": "测试", "reasons_en": "test"}
    with session_scope(engine) as session:
        services.store_publications(session, [Publication(RULES, day, [grade])], principal=SYSTEM, source="test")
    return level.key


def _page_view(client) -> dict:
    """The view the map page embeds for its script."""
    page = client.get("/risk/map").text
    return json.loads(re.search(r'<script id="risk-data" type="application/json"[^>]*>(.*?)</script>', page, re.S).group(1))


def _hangzhou(view: dict) -> dict:
    return next(g for g in view["grades"] if g["region_code"] == HANGZHOU_COUNTY)


def test_an_unchanged_map_is_built_once_for_its_page_and_json(officer, monkeypatch):
    calls = []
    real = views.map_view
    monkeypatch.setattr(views, "map_view", lambda *a, **kw: calls.append(kw) or real(*a, **kw))
    for _ in range(3):
        assert officer.get("/risk/map.json").status_code == 200
        assert officer.get("/risk/map").status_code == 200
    assert len(calls) == 1


def test_a_new_publication_shows_at_the_next_request(officer, engine):
    shown = dt.date.fromisoformat(officer.get("/risk/map.json").json()["date"])
    officer.get("/risk/map")
    newer = shown + dt.timedelta(days=1)
    level = _store(engine, newer, -1)
    view = officer.get("/risk/map.json").json()
    assert view["date"] == newer.isoformat() and view["previous_date"] == shown.isoformat()
    assert _hangzhou(view)["level"] == level
    assert _page_view(officer)["date"] == newer.isoformat()


def test_a_regraded_publication_shows_at_the_next_request(officer, engine):
    day = dt.date.fromisoformat(officer.get("/risk/map.json").json()["date"]) + dt.timedelta(days=1)
    first = _store(engine, day, 0)
    assert _hangzhou(officer.get("/risk/map.json").json())["level"] == first
    assert _hangzhou(_page_view(officer))["level"] == first
    second = _store(engine, day, -1)  # the same date graded again replaces the stored publication
    assert second != first
    assert _hangzhou(officer.get("/risk/map.json").json())["level"] == second
    assert _hangzhou(_page_view(officer))["level"] == second


def test_new_index_results_show_at_the_next_request_in_index_mode(officer):
    day = officer.get("/risk/map.json").json()["date"]
    folder = results_dir(officer.app.state.settings) / "level=county" / f"date={day}"
    folder.mkdir(parents=True)
    for value in (41.5, 63.25):
        pq.write_table(pa.table({"date": [day], "level": ["county"], "code": [HANGZHOU_COUNTY], "index": [value]}),
                       folder / "part-0.parquet")
        assert _hangzhou(officer.get("/risk/map.json?mode=index").json())["index"] == value
