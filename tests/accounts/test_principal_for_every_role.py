"""Every role becomes a Principal with the user's region prefix and enterprises, and sees what its role allows."""

import pytest

from fugong.access import SYSTEM
from fugong.accounts import service

CASES = {
    "province_admin": ("33", []),
    "officer": ("3301", []),
    "department": ("330106", []),
    "service_officer": ("3301", ["E-PAIRED-1", "E-PAIRED-2"]),
    "enterprise": ("330106", ["E-OWN"]),
    "grid_analyst": ("33", []),
    "gate_staff": ("330106", []),
    "person": ("", []),
}


def test_every_user_role_has_a_case_and_system_is_not_a_user_role():
    assert set(CASES) == set(service.USER_ROLES)
    assert "system" not in service.USER_ROLES


@pytest.mark.parametrize("role", sorted(CASES))
def test_the_principal_carries_the_users_role_prefix_and_enterprises(session, role):
    prefix, enterprises = CASES[role]
    user = service.add_user(session, actor=SYSTEM, username=f"u-{role}", role=role, region_prefix=prefix,
                            enterprise_ids=enterprises)
    principal = service.principal_for(user)
    assert (principal.user_id, principal.role, principal.region_prefix) == (f"u-{role}", role, prefix)
    assert principal.enterprise_ids == frozenset(enterprises)
    assert principal.actor == f"{role}:u-{role}"


@pytest.mark.parametrize("role", sorted(CASES))
def test_the_principal_sees_an_enterprise_only_as_its_role_allows(session, role):
    prefix, enterprises = CASES[role]
    principal = service.principal_for(service.add_user(
        session, actor=SYSTEM, username=f"u-{role}", role=role, region_prefix=prefix, enterprise_ids=enterprises))
    in_region_unlinked = principal.can_see_enterprise("E-OTHER", "330106001")
    other_province = principal.can_see_enterprise("E-OTHER", "320106")
    assert other_province is False or prefix == ""
    if role in ("enterprise", "service_officer"):
        assert not in_region_unlinked and all(principal.can_see_enterprise(e, "320106") for e in enterprises)
    elif role in ("gate_staff", "person"):
        assert not in_region_unlinked
    else:
        assert in_region_unlinked
