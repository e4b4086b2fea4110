"""The session cookie is signed, HttpOnly, SameSite=Lax, Secure over HTTPS, and expires."""

import time

from fastapi.testclient import TestClient

from fugong.access import SYSTEM
from fugong.accounts import service
from fugong.accounts.web import SESSION_COOKIE, WebPolicy
from fugong.store.db import session_scope
from tests.accounts.helpers import log_in, make_user


def _cookie_header(response) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "=")]
    assert headers, "no session cookie set"
    return headers[-1].lower()


def test_the_cookie_is_httponly_and_samesite_lax_and_not_secure_over_plain_http(engine, client):
    make_user(engine, "li")
    header = _cookie_header(log_in(client, "li"))
    assert "httponly" in header and "samesite=lax" in header
    assert "secure" not in header.replace("httponly", "")


def test_the_cookie_is_secure_over_https(engine, app):
    make_user(engine, "li")
    with TestClient(app, base_url="https://testserver") as client:
        header = _cookie_header(log_in(client, "li"))
    assert "; secure" in header and "httponly" in header


def test_a_tampered_cookie_is_refused(engine, client):
    make_user(engine, "li")
    log_in(client, "li")
    signed = client.cookies.get(SESSION_COOKIE)
    body, rest = signed.split(".", 1)
    forged = ("A" if body[0] != "A" else "B") + body[1:]  # any change to the signed part
    client.cookies.set(SESSION_COOKIE, f"{forged}.{rest}")
    assert client.get("/me.json").status_code == 401


def test_a_cookie_signed_with_another_key_is_refused(engine, client):
    from itsdangerous import URLSafeTimedSerializer

    make_user(engine, "li")
    log_in(client, "li")
    key = client.app.state.accounts_serializer.loads(client.cookies.get(SESSION_COOKIE))["s"]
    other = URLSafeTimedSerializer(b"not the app's key", salt="fugong.session").dumps({"s": key, "c": "x" * 43})
    client.cookies.set(SESSION_COOKIE, other)
    assert client.get("/me.json").status_code == 401


def test_a_session_older_than_its_lifetime_is_refused(engine, app, client, monkeypatch):
    make_user(engine, "li")
    log_in(client, "li")
    assert client.get("/me.json").status_code == 200
    lifetime = WebPolicy().session_seconds
    later = time.time() + lifetime + 60
    monkeypatch.setattr(time, "time", lambda: later)  # itsdangerous reads the clock through time.time
    app.state.accounts_principal_cache = None
    assert client.get("/me.json").status_code == 401


def test_changing_the_password_ends_older_sessions(engine, app, client):
    make_user(engine, "li")
    log_in(client, "li")
    assert client.get("/me.json").status_code == 200
    with session_scope(engine) as session:
        service.set_password(session, actor=SYSTEM, username="li", password="a brand new secret")
    assert client.get("/me.json").status_code == 401
    assert log_in(client, "li", "a brand new secret").status_code == 303  # a new login works
    assert client.get("/me.json").status_code == 200


def test_a_page_request_without_a_session_is_sent_to_the_login_page_and_back(engine, client):
    make_user(engine, "li")
    response = client.get("/me.json?x=1", headers={"Accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fme.json%3Fx%3D1"
    assert log_in(client, "li", next_path="/me.json?x=1").headers["location"] == "/me.json?x=1"


def test_an_api_request_without_credentials_gets_401_json(client):
    response = client.get("/me.json")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert "detail" in response.json()


def test_login_never_redirects_to_another_site(engine, client):
    make_user(engine, "li")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        assert log_in(client, "li", next_path=target).headers["location"] == "/"


def test_the_login_page_is_chinese_by_default_and_english_on_request(client):
    assert "用户名" in client.get("/login").text
    english = client.get("/login?lang=en").text
    assert "Username" in english and 'lang="en"' in english
