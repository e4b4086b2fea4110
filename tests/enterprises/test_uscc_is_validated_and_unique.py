"""The USCC (GB 32100-2015) is a validated, unique attribute: required when an enterprise registers
itself, optional for firms known only from meter data."""

import pytest

from fugong.enterprises.models import Enterprise
from fugong.enterprises.service import EnterpriseError, register_enterprise
from tests.enterprises.helpers import SYSTEM, enterprise_user, firm, make_uscc


def test_a_wrong_check_character_is_refused_naming_the_field(session):
    code = make_uscc(1)
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(EnterpriseError) as caught:
        register_enterprise(session, SYSTEM, **firm("E1", uscc=bad))
    assert caught.value.field == "uscc" and "18" in str(caught.value)
    assert session.get(Enterprise, "E1") is None


def test_two_enterprises_may_not_share_a_uscc(session):
    code = make_uscc(7)
    register_enterprise(session, SYSTEM, **firm("E1", uscc=code))
    with pytest.raises(EnterpriseError) as caught:
        register_enterprise(session, SYSTEM, **firm("E2", uscc=code))
    assert caught.value.field == "uscc"


def test_a_firm_known_from_meter_data_needs_no_uscc(session):
    enterprise = register_enterprise(session, SYSTEM, enterprise_id="E0000001", name="合成企业", region_code="330110")
    assert enterprise.uscc is None and enterprise.source == "import"


def test_an_enterprise_registering_itself_must_give_its_uscc(session):
    with pytest.raises(EnterpriseError) as caught:
        register_enterprise(session, enterprise_user("E9"), name="自主登记企业", region_code="330110")
    assert caught.value.field == "uscc"
    enterprise = register_enterprise(session, enterprise_user("E9"), name="自主登记企业", region_code="330110",
                                     uscc=make_uscc(9))
    assert enterprise.enterprise_id == "E9" and enterprise.source == "self"


def test_without_an_enterprise_id_the_uscc_is_the_key(session):
    code = make_uscc(11, "330203")
    enterprise = register_enterprise(session, SYSTEM, name="宁波企业", region_code="330203", uscc=code)
    assert enterprise.enterprise_id == code
