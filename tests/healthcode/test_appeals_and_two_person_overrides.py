"""Appeals are decided with a written reason; a manual colour change needs two different officers
of the person's region and a legal basis, and is audited."""

import pytest
from sqlalchemy import select

from fugong.access import AccessDenied, Principal
from fugong.healthcode.appeals import (TwoPersonRuleViolated, approve_override, decide_appeal, file_appeal,
                                       my_appeals, open_appeals, request_override)
from fugong.healthcode.declarations import declare
from fugong.store.audit import AuditEntry
from tests.healthcode.helpers import DAY0, NINGBO_OFFICER, OFFICER, OFFICER_2


@pytest.fixture
def red(session, new_person):
    person, me = new_person()
    declare(session, me, current_region="330106", temperature=37.8, day=DAY0)
    return person, me


def test_a_person_files_an_appeal_and_a_reviewer_of_their_region_sees_it(session, red):
    person, me = red
    appeal = file_appeal(session, me, statement="体温计故障，复测36.5")
    assert appeal.contested_colour == "red" and appeal.status == "open"
    assert [a.id for a in open_appeals(session, OFFICER)] == [appeal.id]
    assert open_appeals(session, NINGBO_OFFICER) == []


def test_a_rejected_appeal_keeps_the_colour_and_records_the_reason(session, red):
    person, me = red
    appeal = file_appeal(session, me, statement="我没有发烧")
    decide_appeal(session, OFFICER, appeal_id=appeal.id, uphold=False, reason="复测体温38.1℃")
    assert person.colour == "red"
    assert my_appeals(session, me)[0].decision_reason == "复测体温38.1℃"


def test_a_decision_needs_a_written_reason(session, red):
    _, me = red
    appeal = file_appeal(session, me, statement="误判")
    with pytest.raises(ValueError, match="reason"):
        decide_appeal(session, OFFICER, appeal_id=appeal.id, uphold=True, reason="  ")


def test_an_upheld_appeal_changes_the_colour_only_after_a_second_officer_approves(session, red):
    person, me = red
    appeal = file_appeal(session, me, statement="体温计故障")
    decide_appeal(session, OFFICER, appeal_id=appeal.id, uphold=True, reason="复测正常", to_colour="green")
    assert person.colour == "red" and appeal.status == "upheld"
    with pytest.raises(TwoPersonRuleViolated):
        approve_override(session, OFFICER, override_id=appeal.override_id)
    approve_override(session, OFFICER_2, override_id=appeal.override_id)
    assert (person.colour, person.reason_code) == ("green", "MANUAL_OVERRIDE")


def test_a_manual_change_needs_a_legal_basis(session, red):
    person, _ = red
    with pytest.raises(ValueError, match="legal basis"):
        request_override(session, OFFICER, person_id=person.id, to_colour="green", legal_basis="")


def test_a_manual_change_is_audited_with_both_officers_and_the_legal_basis(session, red):
    person, _ = red
    override = request_override(session, OFFICER, person_id=person.id, to_colour="yellow",
                                legal_basis="《传染病防治法》第三十九条；复核结论")
    approve_override(session, OFFICER_2, override_id=override.id)
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity == "hc_override")).all()
    assert [e.actor for e in entries] == ["officer:li", "officer:wang"]
    assert all("传染病防治法" in e.reason for e in entries)
    change = session.scalars(select(AuditEntry).where(AuditEntry.action == "healthcode.colour.change")).all()[-1]
    assert change.actor == "officer:li+officer:wang" and change.after["colour"] == "yellow"


def test_officers_of_another_region_may_not_request_or_approve(session, red):
    person, _ = red
    with pytest.raises(AccessDenied):
        request_override(session, NINGBO_OFFICER, person_id=person.id, to_colour="green", legal_basis="依据某条")
    override = request_override(session, OFFICER, person_id=person.id, to_colour="green", legal_basis="依据某条款")
    with pytest.raises(AccessDenied):
        approve_override(session, NINGBO_OFFICER, override_id=override.id)


@pytest.mark.parametrize("role", ["gate_staff", "enterprise", "grid_analyst", "department"])
def test_other_roles_may_not_change_colours(session, red, role):
    person, _ = red
    with pytest.raises(AccessDenied):
        request_override(session, Principal(user_id="x", role=role, region_prefix="3301"), person_id=person.id,
                         to_colour="green", legal_basis="依据某条款")


def test_a_rejected_override_leaves_the_colour(session, red):
    person, _ = red
    override = request_override(session, OFFICER, person_id=person.id, to_colour="green", legal_basis="依据某条款")
    approve_override(session, OFFICER_2, override_id=override.id, approve=False)
    assert person.colour == "red" and override.status == "rejected"
