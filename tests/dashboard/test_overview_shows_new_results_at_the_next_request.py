"""The overview is built once per data version (fugong.web.viewcache): an unchanged overview is not
built again, and results written by the engine show at the very next request, page and JSON."""

import os
import re
import shutil
import uuid

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from fugong.dashboard import service
from fugong.index.service import results_dir
from tests.dashboard.helpers import AS_OF, build_app, log_in, make_user

COUNTY = "330110"


@pytest.fixture
def writable(engine, db_url, served_data, tmp_path):
    """A logged-in Hangzhou officer on a private copy of the results, which the test may rewrite."""
    data_dir = tmp_path / "data"
    shutil.copytree(served_data / "results", data_dir / "results")
    app = build_app(db_url, data_dir)
    make_user(engine, "hz", role="officer", region_prefix="3301")
    with TestClient(app) as client:
        assert log_in(client, "hz").status_code == 303
        yield app, client
    if getattr(app.state, "db_engine", None) is not None:
        app.state.db_engine.dispose()


def _rewrite_county_index(app, value: float) -> None:
    """Replace the county results of the as-of day the way the engine does (temp file, then rename)."""
    folder = results_dir(app.state.settings) / "level=county" / f"date={AS_OF}"
    table = pq.read_table(folder / "part-0.parquet")
    column = table.schema.get_field_index("index")
    changed = pc.if_else(pc.equal(table["code"], COUNTY), pa.scalar(value, table["index"].type), table["index"])
    tmp = folder / f".part-{uuid.uuid4().hex}.tmp"
    pq.write_table(table.set_column(column, "index", changed), tmp)
    os.replace(tmp, folder / "part-0.parquet")


def _county(body: dict) -> dict:
    return next(row for row in body["counties"] if row["code"] == COUNTY)


def test_an_unchanged_overview_is_built_once_for_its_page_and_json(writable, monkeypatch):
    app, client = writable
    calls = []
    real = service.overview
    monkeypatch.setattr(service, "overview", lambda **kw: calls.append(kw) or real(**kw))
    for _ in range(3):
        assert client.get("/overview.json").status_code == 200
        assert client.get("/overview").status_code == 200
    assert len(calls) == 1


def test_new_county_results_show_at_the_next_request(writable):
    app, client = writable
    before = _county(client.get("/overview.json").json())["index"]
    client.get("/overview")
    _rewrite_county_index(app, 12.34)
    assert before != 12.34
    assert _county(client.get("/overview.json").json())["index"] == 12.34
    page = client.get("/overview").text
    row = page.split(f'href="/explorer?code={COUNTY}&amp;series=county:{COUNTY}"')[1].split("</tr>")[0]
    assert "12.34" in row


def _last_grading_on_page(client) -> str:
    page = client.get("/overview").text
    return re.search(r"<dt>最新风险评级日期</dt><dd>([^<]*)</dd>", page).group(1)


def test_a_new_grading_date_shows_in_the_freshness_at_the_next_request(writable, engine):
    from fugong.risk import services
    from fugong.store.db import session_scope
    from tests.risk.web_seed import seed

    _, client = writable
    assert client.get("/overview.json").json()["freshness"]["last_grading_date"] is None
    assert _last_grading_on_page(client) == "—"
    with session_scope(engine) as session:
        seed(session, rules_name=client.app.state.settings.risk_rules)
        newest = services.last_publication_date(session, rule_set=client.app.state.settings.risk_rules)
    assert newest is not None
    assert client.get("/overview.json").json()["freshness"]["last_grading_date"] == newest.isoformat()
    assert _last_grading_on_page(client) == newest.isoformat()
