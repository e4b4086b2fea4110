"""Fixtures for the health-code tests: an isolated secret key, people with accounts."""

from __future__ import annotations

import pytest

from fugong.access import Principal
from tests.healthcode.helpers import make_id


@pytest.fixture(autouse=True)
def _secret_in_tmp(settings_env):
    """Every test gets its own data directory, hence its own secret key, and the test enterprises."""
    from fugong.config import get_settings
    from tests.healthcode.helpers import register_enterprises

    register_enterprises(get_settings())
    yield settings_env


@pytest.fixture
def new_person(session):
    """Register a person with an account; returns (person, principal)."""
    from fugong.healthcode.people import register_person

    counter = iter(range(1, 1000))

    def make(rule_set: str = "hangzhou-2020", region: str = "330106", enterprise_id: str | None = None):
        n = next(counter)
        principal = Principal(user_id=f"user{n}", role="person")
        person = register_person(session, principal, name=f"张三{n}", phone=f"138000000{n:02d}",
                                 id_number=make_id(n, region), region_code=region,
                                 enterprise_id=enterprise_id, rule_set=rule_set)
        return person, principal

    return make


TEST_SECRET = "test-secret-" + "x" * 32  # the same secret as tests/accounts/helpers.build_app's apps


@pytest.fixture
def engine(db_url, monkeypatch, _secret_in_tmp):
    """A migrated database that has its first signing key, as after ``fugong code keys rotate`` (reads
    never create keys). Services and apps of a test share one secret, so the key decrypts in both."""
    from fugong.access import SYSTEM
    from fugong.config import get_settings
    from fugong.healthcode.tokens import ensure_signing_key
    from fugong.store.db import connect, session_scope, upgrade

    monkeypatch.setenv("FUGONG_SECRET_KEY", TEST_SECRET)
    get_settings.cache_clear()
    engine = connect(db_url)
    upgrade(engine)
    with session_scope(engine) as setup:
        ensure_signing_key(setup, SYSTEM)
    yield engine
    engine.dispose()
