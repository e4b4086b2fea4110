"""南京 (seed 001): when the holder of a safety-critical post is quarantined, turns yellow or red, or
leaves, and nobody else holding that certificate is available, the approval goes to re-assessment
automatically and the officer sees why."""

import datetime as dt

import pytest
from sqlalchemy import select

from fugong.resumption.filings import create_filing, decide, filing_view, submit_filing
from fugong.resumption.models import Employee, Filing
from fugong.resumption.roster import set_status, upsert_employee
from fugong.store.db import session_scope
from fugong.workflow import jobs
from tests.resumption.helpers import ANSWERS, D, SYSTEM, YUHANG, add_firm, at, firm_user, person, publish, staff


def _approved(session, enterprise_id="E1"):
    user = firm_user(enterprise_id)
    filing = create_filing(session, user, enterprise_id=enterprise_id, planned_start=D(2020, 2, 12),
                           policy="priorities-shanghai-2020", at=at(D(2020, 2, 11)))
    submit_filing(session, user, filing_id=filing.id, answers=ANSWERS, policy="priorities-shanghai-2020",
                  at=at(D(2020, 2, 11)))
    decide(session, YUHANG, filing_id=filing.id, action="approve", reason="防控措施到位")
    return filing


@pytest.fixture
def approved(session):
    add_firm(session, "E1")
    publish(session, D(2020, 2, 10), {"330110": "yellow"})
    staff(session, "E1", 6, day=D(2020, 2, 10))  # A000 is the only safety manager
    filing = _approved(session)
    assert filing.state == "approved"
    return filing


def _manager(session):
    return session.scalar(select(Employee).where(Employee.employee_no == "A000"))


def test_the_quarantined_safety_manager_sends_the_approval_to_reassessment(session, approved):
    set_status(session, SYSTEM, employee_id=_manager(session).id, status="quarantined", effective_on=D(2020, 2, 13))
    assert approved.state == "reassessment"
    view = filing_view(session, YUHANG, approved)
    last = view["timeline"][-1]
    assert last["action"] == "reassess" and last["role"] == "system"
    assert "安全管理负责人无人可到岗" in last["reason"] and "员**：隔离中" in last["reason"] and "quarantined" in last["reason"]
    assert last["data"]["safety"][0]["covered"] is False
    assert [a["action"] for a in view["actions"]] == ["reinstate", "revoke"]
    decide(session, YUHANG, filing_id=approved.id, action="revoke", reason="安全管理负责人隔离期间停工")
    assert approved.state == "revoked"


def test_another_holder_of_the_certificate_on_site_keeps_the_approval(session, approved):
    _, id_number = person(session, 99)
    upsert_employee(session, SYSTEM, enterprise_id="E1", effective_on=D(2020, 2, 12), employee_no="B001", name="副主管",
                    certificate="safety_manager", status="on_site", id_number=id_number)
    set_status(session, SYSTEM, employee_id=_manager(session).id, status="quarantined", effective_on=D(2020, 2, 13))
    assert approved.state == "approved"


def test_a_red_code_of_the_safety_manager_queues_the_check_in_the_same_transaction(engine, session, approved):
    from fugong.healthcode.lifecycle import set_colour
    from fugong.healthcode.models import Person

    manager = session.get(Person, _manager(session).person_id)
    set_colour(session, manager, colour="red", reason_code="close_contact", actor="system:lists", day=D(2020, 2, 14))
    session.commit()
    summary = jobs.run_due(engine, worker="w", now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1))
    assert summary.done == 1, summary.errors
    with session_scope(engine) as fresh:
        view = filing_view(fresh, YUHANG, fresh.get(Filing, approved.id))
    assert view["state"] == "reassessment" and "红码" in view["timeline"][-1]["reason"]


def test_after_reinstatement_a_second_loss_sends_it_back(session, approved):
    set_status(session, SYSTEM, employee_id=_manager(session).id, status="quarantined", effective_on=D(2020, 2, 13))
    set_status(session, SYSTEM, employee_id=_manager(session).id, status="on_site", effective_on=D(2020, 2, 20))
    decide(session, YUHANG, filing_id=approved.id, action="reinstate", reason="隔离期满，安全管理负责人返岗")
    assert approved.state == "approved"
    set_status(session, SYSTEM, employee_id=_manager(session).id, status="left", effective_on=D(2020, 2, 25))
    assert approved.state == "reassessment"
