"""Login attempts are limited per client address and per username, counted in the database so that
every worker process shares the limit."""

import pytest

from fugong.accounts import service
from fugong.store.db import session_scope
from tests.accounts.helpers import PASSWORD, build_app, csrf_from, make_user

# The limiter counts in fixed windows aligned on multiples of their length; with 300-second windows a
# test that crossed a boundary (about one run in 300) saw its count start again. Windows of 10⁹ s end
# in 2033: the HTTP tests below never cross one (the window's edge is tested with explicit times above).
WINDOW = 10**9


def test_the_window_allows_the_limit_then_refuses_until_the_next_window(engine):
    def hit(key, now):
        with session_scope(engine) as session:
            return service.hit_rate_limit(session, key=key, limit=3, window_seconds=60, now=now)

    assert [hit("k", t) for t in (0, 1, 2, 3)] == [0, 0, 0, 57]
    assert hit("other", 3) == 0  # keys are independent
    assert hit("k", 60.5) == 0  # a new window


def test_two_worker_processes_share_one_limit(engine, db_url, tmp_path):
    """Two apps over one database stand for two uvicorn workers: before, each counted on its own."""
    from fastapi.testclient import TestClient

    make_user(engine, "li")
    apps = [build_app(db_url, tmp_path / f"data{n}", attempts_per_ip=100, attempts_per_username=3,
                      window_seconds=WINDOW) for n in (1, 2)]
    try:
        with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
            codes = [_attempt(c, "li").status_code for c in (first, second, first, second)]
    finally:
        for app in apps:
            if getattr(app.state, "db_engine", None) is not None:
                app.state.db_engine.dispose()
    assert codes == [401, 401, 401, 429]


@pytest.fixture
def limited_client(engine, db_url, tmp_path):
    from fastapi.testclient import TestClient

    app = build_app(db_url, tmp_path / "data", attempts_per_ip=6, attempts_per_username=3, window_seconds=WINDOW)
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
