"""Users are checked on the way in: role, GB/T 2260 prefix, enterprises per role, password length."""

import pytest

from fugong.access import SYSTEM
from fugong.accounts import service


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"role": "system"}, "role 'system'"),
        ({"role": "mayor"}, "role 'mayor'"),
        ({"region_prefix": "330"}, "region prefix '330'"),
        ({"region_prefix": "33x1"}, "region prefix"),
        ({"role": "enterprise", "enterprise_ids": []}, "exactly one enterprise"),
        ({"role": "enterprise", "enterprise_ids": ["E1", "E2"]}, "exactly one enterprise"),
        ({"role": "officer", "enterprise_ids": ["E1"]}, "not linked to enterprises"),
        ({"username": "a b"}, "username 'a b'"),
        ({"password": "short"}, "at least 10"),
    ],
)
def test_it_rejects_an_invalid_user_naming_the_field(session, fields, message):
    values = {"username": "li", "role": "officer", "region_prefix": "3301", **fields}
    with pytest.raises(ValueError, match=message):
        service.add_user(session, actor=SYSTEM, **values)
    assert service.get_user(session, username=values["username"]) is None


def test_it_rejects_a_duplicate_username(session):
    service.add_user(session, actor=SYSTEM, username="li", role="officer", region_prefix="3301")
    with pytest.raises(service.AccountError, match="already exists"):
        service.add_user(session, actor=SYSTEM, username="li", role="officer", region_prefix="3302")


def test_a_service_officer_may_be_paired_with_several_enterprises(session):
    user = service.add_user(session, actor=SYSTEM, username="so", role="service_officer", region_prefix="3301",
                            enterprise_ids=["E2", "E1", "E2"])
    assert user.enterprise_ids == ["E1", "E2"]
