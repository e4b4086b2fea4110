"""A person may fetch only so many tokens a minute, counted in the database (shared by workers)."""

from fastapi.testclient import TestClient

from fugong.access import Principal
from fugong.accounts.web import WebPolicy
from fugong.healthcode.declarations import declare
from fugong.healthcode.people import register_person
from fugong.store.db import session_scope
from tests.healthcode.helpers import make_id
from tests.healthcode.web_helpers import build_app, user_with_token


def test_the_token_endpoint_answers_429_past_the_limit_in_every_worker(engine, db_url, tmp_path):
    headers = user_with_token(engine, "zhang", "person", "330106")
    with session_scope(engine) as session:
        me = Principal(user_id="zhang", role="person")
        register_person(session, me, name="张三", phone="13800000001", id_number=make_id(1), region_code="330106")
        declare(session, me, current_region="330106", temperature=36.5)
    apps = [build_app(db_url, tmp_path / f"d{n}") for n in (1, 2)]  # two workers over one database
    for app in apps:
        app.state.accounts_policy = WebPolicy(tokens_per_user=3, token_window_seconds=600)
    try:
        with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
            codes = [c.get("/api/code/me/token", headers=headers).status_code for c in (first, second, first, second)]
            assert codes == [200, 200, 200, 429]
            assert int(second.get("/api/code/me/token", headers=headers).headers["Retry-After"]) > 0
    finally:
        for app in apps:
            if getattr(app.state, "db_engine", None) is not None:
                app.state.db_engine.dispose()
