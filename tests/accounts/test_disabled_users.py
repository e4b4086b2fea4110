"""A disabled user is refused everywhere: password login, an open session, API tokens."""

from fugong.access import SYSTEM
from fugong.accounts import service
from fugong.store.db import session_scope
from tests.accounts.helpers import PASSWORD, log_in, make_token, make_user


def test_a_disabled_user_cannot_log_in_even_with_the_right_password(session):
    service.add_user(session, actor=SYSTEM, username="li", role="officer", password=PASSWORD)
    service.disable_user(session, actor=SYSTEM, username="li", reason="left")
    outcome = service.authenticate(session, username="li", password=PASSWORD)
    assert not outcome.ok and outcome.reason == "disabled"


def test_disabling_ends_an_open_session_and_the_users_tokens(engine, client):
    make_user(engine, "li")
    token = make_token(engine, "li")
    assert log_in(client, "li").status_code == 303
    assert client.get("/me.json").status_code == 200
    with session_scope(engine) as session:
        service.disable_user(session, actor=SYSTEM, username="li")
    assert client.get("/me.json").status_code == 401
    assert client.get("/me.json", headers={"Authorization": f"Bearer {token}"}).status_code == 401
