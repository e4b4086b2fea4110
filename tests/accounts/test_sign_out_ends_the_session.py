"""Signing out ends the session on the server: a copied cookie stops working too. An admin can sign a
user out everywhere."""

from fastapi.testclient import TestClient

from fugong.access import SYSTEM, Principal
from fugong.accounts import service
from fugong.accounts.web import SESSION_COOKIE
from fugong.store.audit import history
from fugong.store.db import session_scope
from tests.accounts.helpers import csrf_from, log_in, make_token, make_user


def _copy(app, cookie: str) -> TestClient:
    other = TestClient(app)
    other.cookies.set(SESSION_COOKIE, cookie)
    return other


def test_a_copied_cookie_stops_working_after_sign_out(engine, app, client):
    make_user(engine, "li")
    log_in(client, "li")
    copied = _copy(app, client.cookies.get(SESSION_COOKIE))
    assert copied.get("/me.json").status_code == 200
    token = csrf_from(client.get("/login").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    # Before the fix the signed cookie stayed valid for 12 hours: logout only deleted it in the browser.
    assert copied.get("/me.json").status_code == 401
    with session_scope(engine) as session:
        assert [e.action for e in history(session, entity="user", entity_id="li")][-1] == "user.logout"


def test_an_admin_signs_a_user_out_everywhere(engine, app, client):
    make_user(engine, "li", region_prefix="3301")
    make_user(engine, "admin", role="province_admin", region_prefix="33")
    phone, laptop = TestClient(app), TestClient(app)
    log_in(phone, "li")
    log_in(laptop, "li")
    admin = {"Authorization": f"Bearer {make_token(engine, 'admin')}"}
    response = client.post("/accounts/users/li/sessions/revoke", headers=admin)
    assert response.status_code == 200 and response.json()["sessions_ended"] == 2
    assert phone.get("/me.json").status_code == 401 and laptop.get("/me.json").status_code == 401
    assert log_in(phone, "li").status_code == 303 and phone.get("/me.json").status_code == 200


def test_an_admin_of_another_region_cannot_sign_the_user_out(engine, app, client):
    make_user(engine, "li", region_prefix="3301")
    make_user(engine, "nb-admin", role="province_admin", region_prefix="3302")
    log_in(client, "li")
    other = {"Authorization": f"Bearer {make_token(engine, 'nb-admin')}"}
    assert TestClient(app).post("/accounts/users/li/sessions/revoke", headers=other).status_code == 404
    assert client.get("/me.json").status_code == 200


def test_the_command_line_signs_a_user_out_everywhere(engine, app, client):
    make_user(engine, "li")
    log_in(client, "li")
    with session_scope(engine) as session:
        assert service.end_all_sessions(session, actor=SYSTEM, username="li") == 1
    assert client.get("/me.json").status_code == 401


def test_a_user_cannot_sign_out_somebody_else(engine):
    make_user(engine, "li")
    make_user(engine, "wang")
    import pytest

    from fugong.access import AccessDenied

    with pytest.raises(AccessDenied), session_scope(engine) as session:
        service.end_all_sessions(session, actor=Principal(user_id="wang", role="officer", region_prefix="3301"),
                                 username="li")
