"""Enterprise accounts belong to one enterprise and see only it; officers see their region."""

import pytest

from fugong.access import AccessDenied, Principal
from fugong.enterprises.service import get_enterprise, list_enterprises, register_enterprise, update_enterprise
from tests.enterprises.helpers import HANGZHOU, NINGBO, SYSTEM, enterprise_user, firm


@pytest.fixture
def two_firms(session):
    register_enterprise(session, SYSTEM, **firm("E-HZ", region="330110", serial=1))
    register_enterprise(session, SYSTEM, **firm("E-NB", region="330203", serial=2))
    return session


def test_an_enterprise_user_reads_its_own_enterprise_only(two_firms):
    own = enterprise_user("E-HZ")
    assert get_enterprise(two_firms, own, "E-HZ").enterprise_id == "E-HZ"
    with pytest.raises(AccessDenied):
        get_enterprise(two_firms, own, "E-NB")
    assert [r["enterprise_id"] for r in list_enterprises(two_firms, own)["rows"]] == ["E-HZ"]


def test_an_enterprise_user_may_not_set_its_class_or_flags(two_firms):
    with pytest.raises(AccessDenied):
        update_enterprise(two_firms, enterprise_user("E-HZ"), enterprise_id="E-HZ", enterprise_class="epidemic_supplies")
    assert update_enterprise(two_firms, enterprise_user("E-HZ"), enterprise_id="E-HZ", address="新地址").address == "新地址"


def test_officers_see_their_region_and_not_the_others(two_firms):
    assert [r["enterprise_id"] for r in list_enterprises(two_firms, HANGZHOU)["rows"]] == ["E-HZ"]
    assert [r["enterprise_id"] for r in list_enterprises(two_firms, NINGBO)["rows"]] == ["E-NB"]
    with pytest.raises(AccessDenied):
        get_enterprise(two_firms, HANGZHOU, "E-NB")
    with pytest.raises(AccessDenied):
        list_enterprises(two_firms, HANGZHOU, region_prefix="3302")


def test_gate_staff_and_people_read_no_enterprise(two_firms):
    for role in ("gate_staff", "person"):
        with pytest.raises(AccessDenied):
            get_enterprise(two_firms, Principal(user_id="x", role=role, region_prefix="3301"), "E-HZ")


def test_every_change_is_audited_with_before_and_after(two_firms):
    from fugong.store.audit import history

    update_enterprise(two_firms, HANGZHOU, enterprise_id="E-HZ", enterprise_class="epidemic_supplies", reason="转产口罩")
    entries = history(two_firms, entity="enterprise", entity_id="E-HZ")
    assert [e.action for e in entries] == ["enterprise.register", "enterprise.update"]
    assert entries[-1].before == {"enterprise_class": "industrial"}
    assert entries[-1].after == {"enterprise_class": "epidemic_supplies"} and entries[-1].reason == "转产口罩"
