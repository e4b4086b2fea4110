"""The first declaration gives the highest colour any rule triggers, with its reason code."""

import datetime as dt

import pytest

from fugong.healthcode.declarations import InvalidDeclaration, declare
from fugong.healthcode.lifecycle import events_of
from tests.healthcode.helpers import DAY0

WUHAN = "420100"


def severity_map(graded: dict):
    """severity_of(region, day) for a fixed table {(region, day): severity}."""
    return lambda region, day: graded.get((region, day))


@pytest.mark.parametrize("rule_set", ["hangzhou-2020", "hubei-2020"])
def test_a_declaration_without_risk_gives_green_with_reason_no_risk(session, new_person, rule_set):
    person, me = new_person(rule_set)
    result = declare(session, me, current_region="330106", temperature=36.5, day=DAY0)
    assert result["colour"] == "green" and person.reason_code == "NO_RISK"
    assert events_of(session, person.id)[0]["reason"]["en"] == "No risk found in the declaration"


def test_a_fever_of_37_3_gives_red_and_37_2_does_not(session, new_person):
    hot, hot_me = new_person()
    warm, warm_me = new_person()
    declare(session, hot_me, current_region="330106", temperature=37.3, day=DAY0)
    declare(session, warm_me, current_region="330106", temperature=37.2, day=DAY0)
    assert (hot.colour, hot.reason_code) == ("red", "FEVER")
    assert warm.colour == "green"


def test_one_symptom_gives_yellow(session, new_person):
    person, me = new_person()
    declare(session, me, current_region="330106", temperature=36.6, symptoms=["dry_cough"], day=DAY0)
    assert (person.colour, person.reason_code) == ("yellow", "SYMPTOMS")


def test_declared_contact_with_a_case_gives_red(session, new_person):
    person, me = new_person()
    declare(session, me, current_region="330106", temperature=36.6, contact_with_case=True, day=DAY0)
    assert (person.colour, person.reason_code) == ("red", "CONTACT_WITH_CASE")


def test_travel_to_a_region_at_the_configured_severity_on_that_date_gives_yellow(session, new_person):
    person, me = new_person()
    trip = DAY0 - dt.timedelta(days=5)
    declare(session, me, current_region="330106", temperature=36.6, day=DAY0,
            travel=[{"region": WUHAN, "date": trip.isoformat()}], severity_of=severity_map({(WUHAN, trip): 3}))
    assert (person.colour, person.reason_code) == ("yellow", "TRAVEL_RISK_REGION")


def test_travel_to_a_region_below_the_configured_severity_stays_green(session, new_person):
    person, me = new_person()
    trip = DAY0 - dt.timedelta(days=5)
    declare(session, me, current_region="330106", temperature=36.6, day=DAY0,
            travel=[{"region": WUHAN, "date": trip.isoformat()}],
            severity_of=severity_map({(WUHAN, trip): 2, (WUHAN, DAY0): 4}))  # high only later: not on that date
    assert person.colour == "green"


def test_travel_older_than_14_days_is_refused(session, new_person):
    _, me = new_person()
    with pytest.raises(InvalidDeclaration, match="travel\\[1\\].date"):
        declare(session, me, current_region="330106", temperature=36.6, day=DAY0,
                travel=[{"region": WUHAN, "date": (DAY0 - dt.timedelta(days=15)).isoformat()}])


def test_red_wins_over_yellow_when_both_trigger(session, new_person):
    person, me = new_person()
    result = declare(session, me, current_region="330106", temperature=38.0, symptoms=["cough"], day=DAY0)
    assert person.colour == "red"
    assert [t["colour"] for t in result["triggered"]] == ["red", "yellow"]


def test_a_later_declaration_raises_but_never_lowers(session, new_person):
    person, me = new_person()
    declare(session, me, current_region="330106", temperature=36.6, symptoms=["cough"], day=DAY0)
    declare(session, me, current_region="330106", temperature=36.6, day=DAY0 + dt.timedelta(days=1))
    assert person.colour == "yellow"
    declare(session, me, current_region="330106", temperature=37.5, day=DAY0 + dt.timedelta(days=2))
    assert person.colour == "red"


def test_a_symptom_outside_the_fixed_list_is_refused(session, new_person):
    _, me = new_person()
    with pytest.raises(InvalidDeclaration, match="symptoms"):
        declare(session, me, current_region="330106", temperature=36.6, symptoms=["bank_deposit"], day=DAY0)


def test_a_false_declaration_found_by_an_officer_gives_red(session, new_person):
    from fugong.healthcode.declarations import mark_false
    from tests.healthcode.helpers import OFFICER

    person, me = new_person()
    result = declare(session, me, current_region="330106", temperature=36.6, day=DAY0)
    mark_false(session, OFFICER, declaration_id=result["declaration"], reason="隐瞒武汉行程", day=DAY0)
    assert (person.colour, person.reason_code) == ("red", "FALSE_DECLARATION")
