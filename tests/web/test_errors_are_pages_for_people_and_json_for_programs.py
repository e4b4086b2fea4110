"""A browser gets an error page in its language with a way back; a program gets JSON; nobody gets a
stack trace. 404 for what does not exist and for what lies outside the caller's region (so that scope
does not reveal existence); 403 for what the caller's role may not do."""

import pytest
from fastapi.testclient import TestClient

from fugong.config import load_settings
from fugong.store.db import connect, upgrade
from tests.accounts.helpers import log_in, make_token, make_user

HTML = {"Accept": "text/html,application/xhtml+xml"}
JSON = {"Accept": "application/json"}


@pytest.fixture
def app(db_url, tmp_path):
    from fastapi import APIRouter

    from fugong.web.app import create_app

    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path), "FUGONG_DATABASE_URL": db_url,
                              "FUGONG_AS_OF": "2020-02-20"})
    engine = connect(db_url)
    upgrade(engine)
    make_user(engine, "zj-admin", "province_admin", "33")
    make_user(engine, "hz", "officer", "3301")
    make_user(engine, "gate", "gate_staff", "3301")
    app = create_app(settings)
    broken = APIRouter()

    @broken.get("/test/broken")
    def fails():
        raise RuntimeError("secret internals: /srv/fugong/db password=hunter2")

    app.include_router(broken)
    app.state.test_engine = engine
    return app


def signed_in(app, username, lang=None):
    client = TestClient(app, raise_server_exceptions=False)
    client.__enter__()
    assert log_in(client, username).status_code == 303
    if lang:
        client.cookies.set("lang", lang)
    return client


def test_a_missing_page_is_a_chinese_page_with_a_way_back(app):
    client = signed_in(app, "hz")
    response = client.get("/no/such/page", headers={**HTML, "Referer": "http://testserver/overview"})
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "未找到" in response.text and 'href="/overview"' in response.text  # back, and the start page
    assert "回到首页" in response.text and '<header class="top">' in response.text


def test_the_error_page_speaks_the_users_language(app):
    client = signed_in(app, "hz", lang="en")
    response = client.get("/no/such/page", headers=HTML)
    assert response.status_code == 404 and "Not found" in response.text and "Go to your start page" in response.text


def test_a_program_gets_json_for_the_same_error(app):
    client = signed_in(app, "hz")
    response = client.get("/no/such/page", headers=JSON)
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}
    assert client.get("/risk/regions/999999.json", headers=HTML).headers["content-type"] == "application/json"


def test_an_unknown_region_is_not_found_for_the_province_admin(app):
    client = signed_in(app, "zj-admin")
    assert client.get("/risk/regions/999999", headers=HTML).status_code == 404
    assert client.get("/risk/regions/999999.json", headers=JSON).status_code == 404


def test_another_citys_region_is_not_found_rather_than_forbidden(app):
    client = signed_in(app, "hz")
    for accept in (HTML, JSON):
        assert client.get("/risk/regions/330203", headers=accept).status_code == 404
        assert client.get("/risk/map?prefix=3302", headers=accept).status_code == 404


def test_what_the_role_may_not_do_is_forbidden_with_a_page(app):
    client = signed_in(app, "gate")
    page = client.get("/overview", headers=HTML)
    assert page.status_code == 403 and "您的角色无权执行此操作" in page.text
    assert 'href="/code/gate"' in page.text  # the way back is the gate staff's own page
    token = make_token(app.state.test_engine, "gate")
    api = TestClient(app).get("/overview.json", headers={**JSON, "Authorization": f"Bearer {token}"})
    assert api.status_code == 403 and api.json() == {"detail": "access denied / 无权访问"}


def test_bad_input_is_a_400_page_naming_the_problem(app):
    client = signed_in(app, "hz")
    response = client.get("/overview?date=2020-13-45", headers=HTML)
    assert response.status_code == 400 and "2020-13-45" in response.text and "无法处理此请求" in response.text


def test_a_fault_is_a_500_page_and_json_without_a_stack_trace(app):
    client = signed_in(app, "hz")
    page = client.get("/test/broken", headers=HTML)
    assert page.status_code == 500 and "服务器出现问题" in page.text
    api = client.get("/test/broken", headers=JSON)
    assert api.status_code == 500 and api.json() == {"detail": "internal error / 服务器内部错误"}
    for response in (page, api):
        assert "Traceback" not in response.text and "hunter2" not in response.text and "RuntimeError" not in response.text


def test_an_anonymous_visitor_is_sent_to_sign_in_not_shown_an_error(app):
    with TestClient(app) as client:
        response = client.get("/overview", headers=HTML, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
        assert client.get("/overview.json", headers=JSON).status_code == 401
