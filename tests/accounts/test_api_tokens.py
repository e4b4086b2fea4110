"""API tokens: shown once, stored as a SHA-256 hash, usable as a bearer token until revoked."""

import hashlib

from sqlalchemy import text

from fugong.access import SYSTEM
from fugong.accounts import service
from fugong.store.db import session_scope
from tests.accounts.helpers import make_user


def test_only_a_hash_of_the_token_is_stored_and_the_audit_has_neither(engine):
    make_user(engine, "bot", role="grid_analyst", password=None)
    with session_scope(engine) as session:
        token = service.create_api_token(session, actor=SYSTEM, username="bot", name="meter loader").token
    with engine.connect() as conn:
        stored = [str(v) for row in conn.execute(text("SELECT * FROM api_tokens")) for v in row]
        audit = [str(v) for row in conn.execute(text("SELECT * FROM audit_log")) for v in row]
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert not any(token in value for value in stored + audit)
    assert not any(hashlib.sha256(token.encode()).hexdigest() in value for value in audit)


def test_a_token_authenticates_its_owner_and_records_its_last_use(engine, client):
    make_user(engine, "bot", role="grid_analyst", region_prefix="33", password=None)
    with session_scope(engine) as session:
        new = service.create_api_token(session, actor=SYSTEM, username="bot", name="loader")
        token_id = new.record.id
    me = client.get("/me.json", headers={"Authorization": f"Bearer {new.token}"})
    assert me.status_code == 200 and me.json()["user_id"] == "bot" and me.json()["region_prefix"] == "33"
    with session_scope(engine) as session:
        assert session.get(service.ApiToken, token_id).last_used_at is not None


def test_a_revoked_token_is_refused(engine, client):
    make_user(engine, "bot", role="grid_analyst", password=None)
    with session_scope(engine) as session:
        new = service.create_api_token(session, actor=SYSTEM, username="bot", name="loader")
    headers = {"Authorization": f"Bearer {new.token}"}
    assert client.get("/me.json", headers=headers).status_code == 200
    with session_scope(engine) as session:
        service.revoke_api_token(session, actor=SYSTEM, token_id=new.record.id)
    assert client.get("/me.json", headers=headers).status_code == 401


def test_an_unknown_token_or_another_scheme_is_refused(engine, client):
    for header in ("Bearer fgt_not-a-real-token", "Bearer ", "Basic Ym90OnNlY3JldA=="):
        assert client.get("/me.json", headers={"Authorization": header}).status_code == 401


def test_a_user_manages_their_own_tokens_but_not_someone_elses(session):
    import pytest

    from fugong.access import AccessDenied

    service.add_user(session, actor=SYSTEM, username="li", role="officer", region_prefix="3301")
    service.add_user(session, actor=SYSTEM, username="wang", role="officer", region_prefix="3301")
    li = service.principal_for(service.get_user(session, username="li"))
    own = service.create_api_token(session, actor=li, username="li", name="mine")
    assert own.record.user.username == "li"
    with pytest.raises(AccessDenied):
        service.create_api_token(session, actor=li, username="wang", name="theirs")
    other = service.create_api_token(session, actor=SYSTEM, username="wang", name="theirs")
    with pytest.raises(AccessDenied):
        service.revoke_api_token(session, actor=li, token_id=other.record.id)
