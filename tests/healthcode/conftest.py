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
