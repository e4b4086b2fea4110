"""An enterprise's operating region is a GB/T 2260 county code with the vintage it comes from."""

import pytest

from fugong.enterprises.service import EnterpriseError, register_enterprise, update_enterprise
from tests.enterprises.helpers import HANGZHOU, SYSTEM, firm


def test_a_2020_code_abolished_in_2021_is_kept_with_vintage_2020(session):
    enterprise = register_enterprise(session, SYSTEM, **firm("E1", region="330103"))  # 下城区, merged in 2021
    assert (enterprise.region_code, enterprise.region_vintage) == ("330103", "2020")


def test_a_current_code_gets_the_newest_vintage_that_has_it(session):
    assert register_enterprise(session, SYSTEM, **firm("E2", region="330110")).region_vintage == "2021"


def test_a_city_code_is_not_an_operating_region(session):
    with pytest.raises(EnterpriseError) as caught:
        register_enterprise(session, SYSTEM, **firm("E3", region="330100"))
    assert caught.value.field == "region_code" and "county" in str(caught.value)


def test_an_unknown_code_is_refused(session):
    with pytest.raises(EnterpriseError) as caught:
        register_enterprise(session, SYSTEM, **firm("E4", region="339999"))
    assert caught.value.field == "region_code"


def test_coordinates_come_in_pairs_and_in_range(session):
    with pytest.raises(EnterpriseError):
        register_enterprise(session, SYSTEM, **firm("E5", latitude=30.2))
    with pytest.raises(EnterpriseError) as caught:
        register_enterprise(session, SYSTEM, **firm("E6", latitude=95, longitude=120))
    assert caught.value.field == "latitude"
    enterprise = register_enterprise(session, SYSTEM, **firm("E7", latitude=30.42, longitude=120.30, address="余杭区某路1号"))
    assert (enterprise.latitude, enterprise.longitude, enterprise.address) == (30.42, 120.30, "余杭区某路1号")


def test_moving_an_enterprise_out_of_the_officers_region_is_refused(session):
    from fugong.access import AccessDenied

    register_enterprise(session, SYSTEM, **firm("E8"))
    with pytest.raises(AccessDenied):
        update_enterprise(session, HANGZHOU, enterprise_id="E8", region_code="330203")
    assert update_enterprise(session, HANGZHOU, enterprise_id="E8", region_code="330106").region_code == "330106"
