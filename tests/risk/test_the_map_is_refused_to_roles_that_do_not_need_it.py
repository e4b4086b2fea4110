"""Least privilege: gate staff, enterprises, service officers and people do not read the risk map. They
are refused with 403 by address too (page, JSON, SVG, region detail), not only left out of the header;
the command centre, its departments and the grid analysts read it."""

import pytest
from fastapi.testclient import TestClient

from fugong.store.db import session_scope
from tests.accounts.helpers import build_app, log_in, make_token, make_user
from tests.risk.web_seed import HANGZHOU_COUNTY, seed

ADDRESSES = ("/risk/map.json", "/risk/map.svg", f"/risk/regions/{HANGZHOU_COUNTY}.json")
REFUSED = ("gate_staff", "enterprise", "service_officer", "person")
ALLOWED = ("officer", "department", "grid_analyst", "province_admin")


@pytest.fixture
def app(engine, db_url, tmp_path):
    with session_scope(engine) as session:
        seed(session)
    app = build_app(db_url, tmp_path / "data")
    yield app
    if getattr(app.state, "db_engine", None) is not None:
        app.state.db_engine.dispose()


@pytest.mark.parametrize("role", REFUSED)
def test_a_role_without_need_is_refused_the_map_by_address(engine, app, role):
    firms = ("E1",) if role in ("enterprise", "service_officer") else ()
    make_user(engine, "map-user", role=role, region_prefix="3301", enterprise_ids=firms)
    headers = {"Authorization": f"Bearer {make_token(engine, 'map-user')}"}
    with TestClient(app) as client:
        for address in ADDRESSES:
            response = client.get(address, headers=headers)
            assert response.status_code == 403, address
            assert HANGZHOU_COUNTY not in response.text and "余杭" not in response.text
    with TestClient(app) as browser:
        assert log_in(browser, "map-user").status_code == 303
        page = browser.get("/risk/map", headers={"Accept": "text/html"})
        assert page.status_code == 403 and 'id="risk-map"' not in page.text
        assert "您的角色无权执行此操作" in page.text  # the error page, in Chinese
        assert 'href="/risk/map"' not in page.text  # nor offered in the header


@pytest.mark.parametrize("role", ALLOWED)
def test_the_command_centre_and_the_grid_read_the_map(engine, app, role):
    make_user(engine, "map-user", role=role, region_prefix="3301")
    headers = {"Authorization": f"Bearer {make_token(engine, 'map-user')}"}
    with TestClient(app) as client:
        view = client.get("/risk/map.json", headers=headers)
        assert view.status_code == 200 and [g["region_code"] for g in view.json()["grades"]] == [HANGZHOU_COUNTY]
