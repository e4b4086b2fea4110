"""The users page: a province admin creates, disables, re-enables, resets and re-scopes users inside
the admin's prefix, each change audited; a generated password is shown once and never logged."""

from sqlalchemy import select, text

from fugong.access import Principal
from fugong.accounts import service
from fugong.store.audit import AuditEntry
from fugong.store.db import session_scope
from tests.accounts.helpers import csrf_from, log_in, make_user

HTML = {"Accept": "text/html"}


def admin_client(client, engine):
    make_user(engine, "zj-admin", "province_admin", "33")
    assert log_in(client, "zj-admin").status_code == 303
    return csrf_from(client.get("/accounts/users", headers=HTML).text)


def test_an_admin_creates_a_user_with_a_generated_password_shown_once(client, engine):
    csrf = admin_client(client, engine)
    page = client.post("/accounts/users", headers=HTML, data={
        "csrf_token": csrf, "username": "hz-new", "role": "officer", "region_prefix": "3301", "password": ""})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    generated = page.text.split('id="generated-password">', 1)[1].split("<", 1)[0]
    assert len(generated) >= 12
    with session_scope(engine) as session:
        assert service.authenticate(session, username="hz-new", password=generated).ok
        dumped = " ".join(str(v) for row in session.execute(text("SELECT * FROM audit_log")) for v in row)
    assert generated not in dumped
    assert generated not in client.get("/accounts/users", headers=HTML).text  # shown once only


def test_disable_enable_reset_and_scope_are_audited_changes(client, engine):
    csrf = admin_client(client, engine)
    make_user(engine, "li", "officer", "3301")
    for action, data in (("disable", {"reason": "调岗"}), ("enable", {}), ("password", {"password": "a new password 2"}),
                         ("scope", {"region_prefix": "330106"})):
        response = client.post(f"/accounts/users/li/{action}", headers=HTML, data={"csrf_token": csrf, **data},
                               follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/accounts/users?done=")
    with session_scope(engine) as session:
        user = service.get_user(session, username="li")
        assert (user.disabled, user.region_prefix) == (False, "330106")
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == "li")
                                       .order_by(AuditEntry.id)))
    assert actions[-4:] == ["user.disable", "user.enable", "user.set_password", "user.set_scope"]


def test_a_bad_value_is_a_400_page_with_the_reason(client, engine):
    csrf = admin_client(client, engine)
    response = client.post("/accounts/users", headers=HTML, data={
        "csrf_token": csrf, "username": "x", "role": "officer", "region_prefix": "3301", "password": "short"})
    assert response.status_code == 400 and "username" in response.text


def test_a_form_without_the_csrf_token_is_refused(client, engine):
    admin_client(client, engine)
    make_user(engine, "li", "officer", "3301")
    assert client.post("/accounts/users/li/disable", headers=HTML, data={}).status_code == 403


def test_set_scope_needs_an_admin_over_both_scopes(session):
    hangzhou_admin = Principal(user_id="hz", role="province_admin", region_prefix="3301")
    service.add_user(session, actor=Principal(user_id="root", role="province_admin"), username="li",
                     role="officer", region_prefix="330106")
    service.set_scope(session, actor=hangzhou_admin, username="li", region_prefix="330110")
    import pytest

    from fugong.access import AccessDenied

    with pytest.raises(AccessDenied):
        service.set_scope(session, actor=hangzhou_admin, username="li", region_prefix="3302")
    assert service.get_user(session, username="li").region_prefix == "330110"
