"""The map switches from risk levels to the resumption index: each county gets its stored index R
of that day, inside the viewer's region only."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from fugong.access import SYSTEM
from fugong.accounts import service as accounts
from fugong.config import load_settings
from fugong.index.service import results_dir
from fugong.store.db import connect, session_scope, upgrade
from fugong.web.app import create_app
from tests.risk.web_seed import HANGZHOU_COUNTY, NINGBO_COUNTY, seed

DAY = "2020-02-19"


def _store_county_index(settings, values: dict[str, float]) -> None:
    folder = results_dir(settings) / "level=county" / f"date={DAY}"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"date": [DAY] * len(values), "level": ["county"] * len(values),
                             "code": list(values), "index": list(values.values())}), folder / "part-0.parquet")


@pytest.fixture
def officer_client(db_url, tmp_path):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path), "FUGONG_DATABASE_URL": db_url})
    engine = connect(db_url)
    upgrade(engine)
    with session_scope(engine) as session:
        seed(session)
        accounts.add_user(session, actor=SYSTEM, username="hz", role="officer", region_prefix="3301")
        token = accounts.create_api_token(session, actor=SYSTEM, username="hz", name="t").token
    engine.dispose()
    client = TestClient(create_app(settings))
    client.headers["Authorization"] = f"Bearer {token}"
    return settings, client


def test_without_index_results_the_index_mode_is_not_offered(officer_client):
    _, client = officer_client
    view = client.get(f"/risk/map.json?date={DAY}&mode=index").json()
    assert view["index_available"] is False
    assert view["mode"] == "level"


def test_each_county_gets_its_index_of_the_day_and_no_other_regions(officer_client):
    settings, client = officer_client
    _store_county_index(settings, {HANGZHOU_COUNTY: 41.5, NINGBO_COUNTY: 77.0})
    view = client.get(f"/risk/map.json?date={DAY}&mode=index").json()
    assert view["index_available"] is True and view["mode"] == "index"
    grades = {g["region_code"]: g for g in view["grades"]}
    assert grades[HANGZHOU_COUNTY]["index"] == 41.5
    assert NINGBO_COUNTY not in grades
    assert "77.0" not in client.get(f"/risk/map.json?date={DAY}&mode=index").text
