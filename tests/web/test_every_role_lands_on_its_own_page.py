"""Signed in, / sends each role to its own page; the header lists the pages the role may use."""

import pytest
from fastapi.testclient import TestClient

from fugong.access import SYSTEM
from fugong.accounts import service
from fugong.config import load_settings
from fugong.store.db import connect, session_scope, upgrade
from fugong.web.app import create_app
from tests.accounts.helpers import log_in

PASSWORD = "correct horse battery"
# role, prefix, enterprises, landing page, header links
ROLES = [
    ("province_admin", "33", (), "/overview", ["/overview", "/explorer", "/risk/map", "/control/quadrant",
                                                "/resumption/queue", "/enterprises", "/publish", "/code/appeals",
                                                "/desk", "/accounts/users"]),
    ("officer", "3301", (), "/overview", ["/overview", "/explorer", "/risk/map", "/control/quadrant",
                                          "/resumption/queue", "/enterprises", "/publish", "/code/appeals", "/desk"]),
    # Departments and paired officials work at the demand desk; an enterprise starts on its resumption page.
    ("department", "3301", (), "/desk", ["/overview", "/explorer", "/risk/map", "/control/quadrant", "/publish", "/desk"]),
    ("grid_analyst", "33", (), "/explorer", ["/overview", "/explorer", "/risk/map", "/control/quadrant", "/publish"]),
    ("gate_staff", "3301", (), "/code/gate", ["/code/gate"]),
    ("enterprise", "330106", ("E1",), "/firm", ["/firm", "/code/enterprise/E1/today", "/code/gate", "/desk"]),
    ("service_officer", "3301", ("E2", "E1"), "/desk", ["/code/enterprise/E1/today", "/desk"]),
    ("person", "330106", (), "/code/me", ["/code/me"]),
]


@pytest.fixture
def app(db_url, tmp_path):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path), "FUGONG_DATABASE_URL": db_url})
    engine = connect(db_url)
    upgrade(engine)
    with session_scope(engine) as session:
        for role, prefix, firms, _, _ in ROLES:
            service.add_user(session, actor=SYSTEM, username=role.replace("_", "-"), role=role, region_prefix=prefix,
                             enterprise_ids=firms, password=PASSWORD)
    return create_app(settings)


@pytest.mark.parametrize(("role", "landing", "links"), [(r[0], r[3], r[4]) for r in ROLES], ids=[r[0] for r in ROLES])
def test_each_role_lands_on_its_own_page_with_its_own_links(app, role, landing, links):
    with TestClient(app) as client:
        assert log_in(client, role.replace("_", "-")).status_code == 303
        response = client.get("/", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == landing
        account = client.get("/account", headers={"Accept": "text/html"})
        nav = account.text.split('<nav class="pages"', 1)[1].split("</nav>", 1)[0]
        assert [part.split('"', 1)[0] for part in nav.split('href="')[1:]] == links
        assert 'action="/logout"' in account.text and role.replace("_", "-") in account.text


def test_a_visitor_sees_the_sign_in_page_at_the_root(app):
    with TestClient(app) as client:
        response = client.get("/", follow_redirects=False)
        assert response.status_code == 200 and 'action="/login"' in response.text
        assert 'href="/code/register"' in response.text
