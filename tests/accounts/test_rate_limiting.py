"""Login attempts are limited per client address and per username (in-process sliding window)."""

import pytest

from fugong.accounts.security import SlidingWindow
from tests.accounts.helpers import PASSWORD, build_app, csrf_from, make_user


def test_the_window_allows_the_limit_then_refuses_until_old_hits_slide_out():
    window = SlidingWindow(limit=3, seconds=60)
    assert [window.allow("k", now=t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert window.retry_after("k", now=3) == 57
    assert window.allow("other", now=3)  # keys are independent
    assert window.allow("k", now=60.5)  # the hit at t=0 has left the window


@pytest.fixture
def limited_client(engine, db_url, tmp_path):
    from fastapi.testclient import TestClient

    app = build_app(db_url, tmp_path / "data", attempts_per_ip=6, attempts_per_username=3, window_seconds=300)
    with TestClient(app) as client:
        yield client
    app.state.db_engine.dispose()


def _attempt(client, username, password="wrong password!"):
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=False)


def test_it_answers_429_after_too_many_attempts_for_one_username(engine, limited_client):
    make_user(engine, "li")
    codes = [_attempt(limited_client, "li").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    refused = _attempt(limited_client, "LI", PASSWORD)  # even the right password, in any letter case
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_it_answers_429_after_too_many_attempts_from_one_address(engine, limited_client):
    codes = [_attempt(limited_client, f"user{i}").status_code for i in range(7)]
    assert codes[:6] == [401] * 6 and codes[6] == 429
