"""温州三个时段 (seed 001): essential firms file at once, the white list from period 2, everyone else
from period 3; an early filing is refused with its period and date (dates are illustrative config)."""

import pytest

from fugong.enterprises.service import add_to_white_list, create_white_list
from fugong.resumption.filings import create_filing
from fugong.resumption.models import Filing
from fugong.resumption.policies import FilingRefused, load_policy
from tests.resumption.helpers import D, YUHANG, add_firm, at, firm_user

WENZHOU = "periods-wenzhou-2020"


def _file(session, enterprise_id, day):
    return create_filing(session, firm_user(enterprise_id), enterprise_id=enterprise_id, planned_start=day,
                         policy=WENZHOU, at=at(day))


def test_an_ordinary_industrial_firm_is_refused_before_period_3(session):
    add_firm(session, "E-IND")
    with pytest.raises(FilingRefused) as caught:
        _file(session, "E-IND", D(2020, 2, 12))
    assert "第三时段" in caught.value.zh and "2020-02-24" in caught.value.zh and "示例日期" in caught.value.zh
    assert "illustrative" in caught.value.en
    assert session.query(Filing).count() == 0
    assert _file(session, "E-IND", D(2020, 2, 24)).state == "draft"


def test_essential_firms_file_in_period_1_and_the_white_list_in_period_2(session):
    add_firm(session, "E-MASK", enterprise_class="epidemic_supplies")
    add_firm(session, "E-WL")
    add_firm(session, "E-FOOD", essential_supply=True)
    assert _file(session, "E-MASK", D(2020, 2, 10)).state == "draft"
    assert _file(session, "E-FOOD", D(2020, 2, 10)).state == "draft"
    with pytest.raises(FilingRefused):
        _file(session, "E-WL", D(2020, 2, 12))  # not yet on the list: period 3
    white = create_white_list(session, YUHANG, name="温州白名单（示例）", region_prefix="330110", starts_on=D(2020, 2, 1))
    add_to_white_list(session, YUHANG, list_id=white.id, enterprise_ids=["E-WL"], reason="重点出口企业")
    with pytest.raises(FilingRefused) as caught:
        _file(session, "E-WL", D(2020, 2, 12))
    assert "第二时段" in caught.value.zh
    assert _file(session, "E-WL", D(2020, 2, 17)).state == "draft"


def test_the_preset_marks_its_dates_as_illustrative():
    policy = load_policy(WENZHOU)
    assert [p.key for p in policy.periods] == ["first", "second", "third"]
    assert all(p.illustrative for p in policy.periods)
