"""A wrong password or an unknown user is refused with the same answer, and counted."""

from fugong.access import SYSTEM
from fugong.accounts import service
from fugong.store.audit import history
from tests.accounts.helpers import PASSWORD, log_in, make_user


def test_it_refuses_a_wrong_password_and_counts_the_failure(session):
    service.add_user(session, actor=SYSTEM, username="li", role="officer", region_prefix="3301", password=PASSWORD)
    outcome = service.authenticate(session, username="li", password="wrong password!")
    assert not outcome.ok and outcome.reason == "wrong_password"
    user = service.get_user(session, username="li")
    assert user.failed_logins == 1
    entries = [e for e in history(session, entity="user", entity_id="li") if e.action == "user.login_failed"]
    assert len(entries) == 1 and "wrong password!" not in str(entries[0].after)


def test_it_accepts_the_right_password_and_resets_the_counter(session):
    service.add_user(session, actor=SYSTEM, username="li", role="officer", password=PASSWORD)
    service.authenticate(session, username="li", password="nope nope nope")
    outcome = service.authenticate(session, username="li", password=PASSWORD)
    assert outcome.ok and outcome.user.username == "li"
    assert outcome.user.failed_logins == 0


def test_an_unknown_user_is_refused_and_nothing_about_it_is_recorded(session):
    outcome = service.authenticate(session, username="nobody", password=PASSWORD)
    assert not outcome.ok and outcome.reason == "unknown"
    assert history(session, entity="user", entity_id="nobody") == []


def test_the_login_page_gives_the_same_answer_for_a_wrong_password_and_an_unknown_user(engine, client):
    make_user(engine, "li")
    wrong = log_in(client, "li", "wrong password!")
    unknown = log_in(client, "nobody", "wrong password!")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.text and "用户名或密码错误" in unknown.text
    assert client.get("/me.json").status_code == 401
