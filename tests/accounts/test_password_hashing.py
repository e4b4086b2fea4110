"""Passwords are stored only as argon2id hashes (RFC 9106), never in clear text."""

from argon2 import PasswordHasher, Type
from sqlalchemy import text

from fugong.accounts import security
from fugong.accounts.models import User
from tests.accounts.helpers import PASSWORD, make_user


def test_it_stores_an_argon2id_hash_and_never_the_clear_text(engine):
    make_user(engine, "li", password=PASSWORD)
    with engine.connect() as conn:
        rows = [tuple(str(v) for v in row) for row in conn.execute(text("SELECT * FROM users"))]
        audit = [tuple(str(v) for v in row) for row in conn.execute(text("SELECT * FROM audit_log"))]
    stored = rows[0]
    assert not any(PASSWORD in value for value in stored)
    assert any(value.startswith("$argon2id$") for value in stored)
    assert not any(PASSWORD in value or "$argon2" in value for row in audit for value in row)


def test_two_users_with_the_same_password_get_different_hashes(session):
    from fugong.access import SYSTEM
    from fugong.accounts import service

    a = service.add_user(session, actor=SYSTEM, username="a1", role="officer", password=PASSWORD)
    b = service.add_user(session, actor=SYSTEM, username="b1", role="officer", password=PASSWORD)
    assert a.password_hash != b.password_hash  # a random salt each


def test_the_production_hasher_uses_the_rfc_9106_low_memory_profile():
    hasher = security.DEFAULT_HASHER
    assert hasher.type is Type.ID
    assert hasher.memory_cost >= 64 * 1024 and hasher.time_cost >= 3


def test_a_hash_made_with_weaker_parameters_is_upgraded_at_the_next_login(session):
    from fugong.access import SYSTEM
    from fugong.accounts import service

    previous = security.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=512, parallelism=1))
    try:
        service.add_user(session, actor=SYSTEM, username="old", role="officer", password=PASSWORD)
    finally:
        security.use_password_hasher(previous)
    weak = session.query(User).filter_by(username="old").one().password_hash
    assert service.authenticate(session, username="old", password=PASSWORD).ok
    strong = session.query(User).filter_by(username="old").one().password_hash
    assert strong != weak and "m=1024" in strong and "m=512" in weak
