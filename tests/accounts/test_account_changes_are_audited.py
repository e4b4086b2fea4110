"""Every change to an account is in the audit log, with no password, hash, token or display name."""

from sqlalchemy import text

from fugong.access import SYSTEM, Principal
from fugong.accounts import service
from fugong.store.audit import AuditEntry


def test_each_change_leaves_one_audit_entry_without_secrets(session):
    admin = Principal(user_id="zj", role="province_admin", region_prefix="33")
    service.add_user(session, actor=admin, username="li", role="officer", region_prefix="3301",
                     display_name="李四", password="first password 1")
    service.set_password(session, actor=admin, username="li", password="second password 2")
    new = service.create_api_token(session, actor=admin, username="li", name="loader")
    service.revoke_api_token(session, actor=admin, token_id=new.record.id)
    service.disable_user(session, actor=admin, username="li", reason="moved")
    service.enable_user(session, actor=SYSTEM, username="li")
    session.flush()
    entries = session.query(AuditEntry).order_by(AuditEntry.id).all()
    assert [e.action for e in entries] == ["user.add", "user.set_password", "token.create", "token.revoke",
                                           "user.disable", "user.enable"]
    assert [e.actor for e in entries][:5] == ["province_admin:zj"] * 5
    assert entries[0].region_code == "3301" and entries[4].reason == "moved"
    dumped = " ".join(str(v) for row in session.execute(text("SELECT * FROM audit_log")) for v in row)
    for secret in ("first password 1", "second password 2", new.token, "$argon2", "李四"):
        assert secret not in dumped
