"""Retention: purge deletes scans, declarations and check-ins older than the cut-off. The enterprise
daily view shows staff by colour, the check-in rate and who was denied, with masked names."""

import datetime as dt

import pytest

from fugong.access import AccessDenied, Principal
from fugong.healthcode import tokens
from fugong.healthcode.declarations import declare
from fugong.healthcode.lifecycle import check_in
from fugong.healthcode.models import CheckIn, Declaration
from fugong.healthcode.privacy import parse_age, purge
from fugong.healthcode.scans import enterprise_day, register_gate, scan
from tests.healthcode.helpers import DAY0, OFFICER, SYSTEM


def test_ages_parse_in_days_weeks_and_hours():
    assert parse_age("28d") == dt.timedelta(days=28) == parse_age("4w")
    with pytest.raises(ValueError, match="28d"):
        parse_age("28 days")


def test_purge_deletes_only_rows_older_than_the_cutoff(session, new_person):
    person, me = new_person()
    declare(session, me, current_region="330106", temperature=36.5, day=DAY0)
    declare(session, me, current_region="330106", temperature=36.5, day=DAY0 + dt.timedelta(days=30))
    check_in(session, me, temperature=36.5, day=DAY0 + dt.timedelta(days=1))
    check_in(session, me, temperature=36.5, day=DAY0 + dt.timedelta(days=30))
    counts = purge(session, SYSTEM, older_than=dt.timedelta(days=28), on=DAY0 + dt.timedelta(days=31))
    assert (counts["hc_declaration"], counts["hc_checkin"]) == (1, 1)
    assert session.query(Declaration).count() == 1 and session.query(CheckIn).count() == 1


def test_only_admins_purge(session):
    with pytest.raises(AccessDenied):
        purge(session, OFFICER, older_than=dt.timedelta(days=28))


def test_the_enterprise_day_counts_colours_checkins_and_denials(session, new_person):
    register_gate(session, OFFICER, gate_id="G1", enterprise_id="E1", region_code="330106", name="北门")
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    people = [new_person(enterprise_id="E1") for _ in range(3)]
    for (person, me), temperature in zip(people, (36.5, 36.6, 38.0)):
        declare(session, me, current_region="330106", temperature=temperature, day=today)
    check_in(session, people[0][1], temperature=36.5, day=today)
    guard = Principal(user_id="g", role="gate_staff", region_prefix="3301")
    for person, _ in people:
        scan(session, guard, gate_id="G1", token=tokens.issue_token(session, person=person), temperature=36.5)
    view = enterprise_day(session, Principal(user_id="e", role="enterprise", enterprise_ids=frozenset({"E1"})),
                          enterprise_id="E1", day=today)
    assert view["by_colour"] == {"green": 2, "yellow": 0, "red": 1, "none": 0}
    assert (view["staff"], view["checked_in"], view["checkin_rate"], view["scans"]) == (3, 1, round(1 / 3, 4), 3)
    assert [d["reason"]["code"] for d in view["denied"]] == ["DENY_RED"]
    assert view["denied"][0]["who"] == "张**" and people[2][0].name not in str(view)


@pytest.mark.parametrize("principal", [
    Principal(user_id="e2", role="enterprise", enterprise_ids=frozenset({"E2"})),
    Principal(user_id="g", role="gate_staff", region_prefix="3301"),
    Principal(user_id="nb", role="officer", region_prefix="3302"),
])
def test_other_enterprises_gate_staff_and_other_regions_may_not_see_the_day(session, principal):
    register_gate(session, OFFICER, gate_id="G1", enterprise_id="E1", region_code="330106", name="北门")
    with pytest.raises(AccessDenied):
        enterprise_day(session, principal, enterprise_id="E1", day=DAY0)
