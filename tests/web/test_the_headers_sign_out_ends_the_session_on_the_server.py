"""The shell's "Sign out" button (the header form on every page) ends the server-side session: a copy of
the cookie taken before stops working too; without the page's CSRF token the form is refused."""

import re

import pytest
from fastapi.testclient import TestClient

from fugong.accounts.web import SESSION_COOKIE
from tests.accounts.helpers import build_app, log_in, make_user

HTML = {"Accept": "text/html"}


@pytest.fixture
def app(engine, db_url, tmp_path):
    app = build_app(db_url, tmp_path / "data")
    yield app
    if getattr(app.state, "db_engine", None) is not None:
        app.state.db_engine.dispose()


def _header_form(page: str) -> dict:
    form = re.search(r'<form class="logout" method="post" action="/logout">(.*?)</form>', page, re.S)
    assert form, "the page header has no sign-out form"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1)))


@pytest.mark.parametrize(("role", "page"), [("officer", "/account"), ("person", "/code/me"), ("gate_staff", "/code/gate")])
def test_the_header_form_ends_the_session_and_a_copied_cookie_with_it(engine, app, role, page):
    make_user(engine, "u-" + role, role=role, region_prefix="330106")
    with TestClient(app) as browser, TestClient(app) as thief:
        assert log_in(browser, "u-" + role).status_code == 303
        fields = _header_form(browser.get(page, headers=HTML).text)
        thief.cookies.set(SESSION_COOKIE, browser.cookies.get(SESSION_COOKIE))
        assert thief.get("/me.json").status_code == 200

        refused = browser.post("/logout", data={}, follow_redirects=False)  # no CSRF token
        assert refused.status_code == 403 and thief.get("/me.json").status_code == 200

        signed_out = browser.post("/logout", data=fields, follow_redirects=False)
        assert signed_out.status_code == 303 and signed_out.headers["location"] == "/login"
        assert thief.get("/me.json").status_code == 401  # the server-side session is gone
        assert browser.get(page, headers=HTML, follow_redirects=False).status_code == 303
