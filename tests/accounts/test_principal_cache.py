"""A worker keeps "this credential is user U" for a few seconds instead of reading U at every request;
changes made in the same process take effect at once, changes made elsewhere within the cache time."""

import time

from sqlalchemy import event, update

from fugong.access import SYSTEM
from fugong.accounts import service
from fugong.accounts.models import ApiToken, User
from fugong.store.db import session_scope
from tests.accounts.helpers import build_app, log_in, make_token, make_user


def _count_user_reads(engine):
    reads = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and ("users" in statement or "api_tokens" in statement):
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    return reads


def test_a_repeated_request_does_not_read_the_user_again(engine, client, app):
    make_user(engine, "li")
    token = make_token(engine, "li")
    assert client.get("/me.json", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    from fugong.accounts.web import db_engine

    reads = _count_user_reads(db_engine(app))
    for _ in range(5):
        assert client.get("/me.json", headers={"Authorization": f"Bearer {token}"}).json()["user_id"] == "li"
    assert reads == []


def test_revoking_a_token_in_this_process_refuses_it_at_the_next_request(engine, client):
    make_user(engine, "li")
    token = make_token(engine, "li")
    assert client.get("/me.json", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with session_scope(engine) as session:
        token_id = session.query(ApiToken.id).scalar()
        service.revoke_api_token(session, actor=SYSTEM, token_id=token_id)
    assert client.get("/me.json", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_password_change_ends_a_cached_session_at_the_next_request(engine, client):
    make_user(engine, "li")
    assert log_in(client, "li").status_code == 303
    assert client.get("/me.json").status_code == 200
    time.sleep(0.01)  # the change must come after the session was issued
    with session_scope(engine) as session:
        service.set_password(session, actor=SYSTEM, username="li", password="another long password 2")
    assert client.get("/me.json").status_code == 401


def test_a_change_made_by_another_process_takes_effect_within_the_cache_time(engine, db_url, tmp_path):
    from fastapi.testclient import TestClient

    app = build_app(db_url, tmp_path / "data", principal_cache_seconds=0.3)
    make_user(engine, "li")
    token = make_token(engine, "li")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        assert client.get("/me.json", headers=headers).status_code == 200
        # Another process disables the user: a plain UPDATE, so this process's generation is unchanged.
        with session_scope(engine) as session:
            session.execute(update(User).where(User.username == "li").values(disabled=True))
        assert client.get("/me.json", headers=headers).status_code == 200  # still trusted, for now
        time.sleep(0.35)
        assert client.get("/me.json", headers=headers).status_code == 401
    app.state.db_engine.dispose()


def test_an_unknown_token_stays_refused_and_a_new_users_token_works_at_once(engine, client):
    assert client.get("/me.json", headers={"Authorization": "Bearer fgt_nope"}).status_code == 401
    assert client.get("/me.json", headers={"Authorization": "Bearer fgt_nope"}).status_code == 401
    make_user(engine, "wang")
    token = make_token(engine, "wang")
    assert client.get("/me.json", headers={"Authorization": f"Bearer {token}"}).json()["user_id"] == "wang"
