"""An enterprise on a current white list counts as class ``white_list`` in the measures check."""

import datetime as dt

import pytest

from fugong.access import AccessDenied
from fugong.enterprises.service import (
    EnterpriseError, add_to_white_list, classes_on, create_white_list, register_enterprise,
    remove_from_white_list,
)
from tests.enterprises.helpers import HANGZHOU, SYSTEM, firm

D = dt.date


def test_on_the_list_during_its_period_only(session):
    enterprise = register_enterprise(session, SYSTEM, **firm("E1"))
    white = create_white_list(session, HANGZHOU, name="余杭区第二时段白名单", region_prefix="330110",
                              starts_on=D(2020, 2, 10), ends_on=D(2020, 2, 29))
    assert add_to_white_list(session, HANGZHOU, list_id=white.id, enterprise_ids=["E1"], reason="重点出口企业") == 1
    assert add_to_white_list(session, HANGZHOU, list_id=white.id, enterprise_ids=["E1"], reason="again") == 0
    assert classes_on(session, enterprise, D(2020, 2, 9)) == ("industrial",)
    assert classes_on(session, enterprise, D(2020, 2, 10)) == ("industrial", "white_list")
    assert classes_on(session, enterprise, D(2020, 3, 1)) == ("industrial",)
    remove_from_white_list(session, HANGZHOU, list_id=white.id, enterprise_id="E1", reason="撤销")
    assert classes_on(session, enterprise, D(2020, 2, 15)) == ("industrial",)


def test_a_list_takes_enterprises_of_its_own_region_only(session):
    register_enterprise(session, SYSTEM, **firm("E-XH", region="330106", serial=5))
    white = create_white_list(session, HANGZHOU, name="余杭", region_prefix="330110", starts_on=D(2020, 2, 10))
    with pytest.raises(EnterpriseError):
        add_to_white_list(session, HANGZHOU, list_id=white.id, enterprise_ids=["E-XH"], reason="")


def test_an_officer_may_not_make_a_list_for_another_city(session):
    with pytest.raises(AccessDenied):
        create_white_list(session, HANGZHOU, name="宁波", region_prefix="3302", starts_on=D(2020, 2, 10))


def test_white_list_is_not_an_enterprises_own_class(session):
    with pytest.raises(EnterpriseError) as caught:
        register_enterprise(session, SYSTEM, **firm("E2", enterprise_class="white_list"))
    assert caught.value.field == "enterprise_class"
