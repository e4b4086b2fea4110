"""The overview draws the caller's risk map in the page itself — never in a frame, which the
Content-Security-Policy forbids (frame-ancestors 'none') — with only the caller's counties, the grading
day it shows, and a new publication at the next request."""

import json
import re

from fugong.store.db import session_scope
from tests.risk.web_seed import HANGZHOU_COUNTY, seed

HTML = {"Accept": "text/html"}


def _map_view(page: str) -> dict:
    found = re.search(r'<script id="risk-data" type="application/json">(.*?)</script>', page, re.S)
    assert found, "the overview has no risk map"
    return json.loads(found.group(1))


def test_the_overview_draws_only_the_callers_counties_without_a_frame(client_for, engine):
    with session_scope(engine) as session:
        seed(session)  # graded counties of Hangzhou and Ningbo, 2020-02-10 .. 2020-02-19
    response = client_for("officer", "3301").get("/overview?date=2020-02-20", headers=HTML)
    page = response.text
    assert "<iframe" not in page and "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert 'id="risk-map"' in page and '<script src="/static/risk/map.js" defer></script>' in page
    view = _map_view(page)
    assert [g["region_code"] for g in view["grades"]] == [HANGZHOU_COUNTY]  # no Ningbo county
    assert view["date"] == "2020-02-19" and view["scope_prefix"] == "3301"
    assert "地图显示 2020-02-20 及之前最近一次评级：2020-02-19。" in page


def test_a_publication_stored_after_a_visit_is_drawn_at_the_next_request(client_for, engine):
    client = client_for("officer", "3301")
    before = client.get("/overview?date=2020-02-20", headers=HTML).text
    assert 'id="risk-map"' not in before and "2020-02-20 及之前没有风险评级" in before
    with session_scope(engine) as session:
        seed(session)
    after = client.get("/overview?date=2020-02-20", headers=HTML).text
    assert _map_view(after)["date"] == "2020-02-19"
