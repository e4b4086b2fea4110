"""The triage office merges a duplicate into the demand that stays: it leaves the queues, points to the
kept demand, and only demands of the same enterprise can be merged."""

import pytest

from fugong.desk import service
from fugong.desk.service import DeskError
from tests.desk.helpers import CONTACT, TRIAGE, at, build_world, firm_user


def test_a_demand_reported_twice_is_merged_and_suggested_as_a_duplicate(session):
    build_world(session)
    first = service.submit_demand(session, CONTACT, enterprise_id="E-WH-1", category="protective",
                                  text="复工急需医用口罩2000只，消毒液50箱", at=at("2020-02-11"))
    again = service.submit_demand(session, firm_user("E-WH-1"), enterprise_id="E-WH-1", category="protective",
                                  text="急需医用口罩2000只和消毒液50箱", at=at("2020-02-12"))
    other = service.submit_demand(session, CONTACT, enterprise_id="E-WH-1", category="protective",
                                  text="测温枪10把", at=at("2020-02-12"))
    suggested = service.duplicate_candidates(session, TRIAGE, demand_id=again.id)
    assert [row["id"] for row in suggested] == [first.id]
    service.merge(session, TRIAGE, demand_id=again.id, into=first.id, at=at("2020-02-13"))
    assert again.state == "merged" and again.merged_into == first.id
    total, page = service.list_demands(session, TRIAGE, state=service.OPEN_STATES)
    assert {d.id for d in page} == {first.id, other.id} and total == 2


def test_only_demands_of_the_same_enterprise_are_merged(session):
    build_world(session)
    one = service.submit_demand(session, CONTACT, enterprise_id="E-WH-1", category="labour", text="缺工20人")
    two = service.submit_demand(session, CONTACT, enterprise_id="E-WH-2", category="labour", text="缺工20人")
    with pytest.raises(DeskError) as error:
        service.merge(session, TRIAGE, demand_id=two.id, into=one.id)
    assert error.value.field == "into"
    with pytest.raises(DeskError):
        service.merge(session, TRIAGE, demand_id=one.id, into=one.id)
    assert one.state == two.state == "collected"
