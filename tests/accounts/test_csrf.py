"""Cookie-authenticated form posts need the session's CSRF token; bearer-token calls do not."""

from fastapi import APIRouter, Depends, Request
from fastapi.testclient import TestClient

from fugong.access import Principal
from fugong.accounts.web import CSRF_HEADER, csrf_token, current_principal
from tests.accounts.helpers import csrf_from, log_in, make_token, make_user


def _with_a_protected_form_route(app):
    router = APIRouter()

    @router.post("/test/echo")
    async def echo(principal: Principal = Depends(current_principal)):
        return {"user": principal.user_id}

    @router.get("/test/form-token")
    async def form_token(request: Request, principal: Principal = Depends(current_principal)):
        return {"csrf": csrf_token(request)}

    app.include_router(router)
    return app


def test_logout_without_a_csrf_token_is_refused(engine, client):
    make_user(engine, "li")
    log_in(client, "li")
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.get("/me.json").status_code == 200  # still logged in


def test_logout_with_a_wrong_csrf_token_is_refused_and_with_the_right_one_succeeds(engine, client):
    make_user(engine, "li")
    log_in(client, "li")
    assert client.post("/logout", data={"csrf_token": "x" * 43}, follow_redirects=False).status_code == 403
    right = csrf_from(client.get("/login").text)
    assert client.post("/logout", data={"csrf_token": right}, follow_redirects=False).status_code == 303
    assert client.get("/me.json").status_code == 401


def test_the_login_form_itself_needs_the_token_from_the_login_page(engine, client):
    make_user(engine, "li")
    response = client.post("/login", data={"username": "li", "password": "correct horse battery"},
                           follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/me.json").status_code == 401  # not logged in
    again = log_in(client, "li")  # the refusal page came with a fresh token: the next try works
    assert again.status_code == 303


def test_every_route_behind_current_principal_checks_csrf_on_post(engine, app):
    make_user(engine, "li")
    _with_a_protected_form_route(app)
    with TestClient(app) as client:
        log_in(client, "li")
        assert client.post("/test/echo").status_code == 403
        assert client.post("/test/echo", headers={CSRF_HEADER: "forged"}).status_code == 403
        token = client.get("/test/form-token").json()["csrf"]
        assert client.post("/test/echo", headers={CSRF_HEADER: token}).json() == {"user": "li"}
        assert client.post("/test/echo", data={"csrf_token": token}).status_code == 200


def test_the_csrf_token_changes_at_login(engine, client):
    make_user(engine, "li")
    before = csrf_from(client.get("/login").text)
    log_in(client, "li")
    after = csrf_from(client.get("/login").text)
    assert before != after


def test_bearer_token_calls_are_exempt(engine, app):
    make_user(engine, "bot", role="grid_analyst")
    token = make_token(engine, "bot")
    _with_a_protected_form_route(app)
    with TestClient(app) as client:
        response = client.post("/test/echo", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json() == {"user": "bot"}
