"""An enterprise not satisfied with the outcome reopens the demand with a reason: the department has it
again with a new due date and new deadlines; a closed demand stays closed."""

import pytest
from sqlalchemy import select

from fugong.desk import service
from fugong.workflow.machine import TransitionRefused
from fugong.workflow.models import Job
from tests.desk.helpers import CONTACT, TRANSPORT, TRIAGE, at, build_world, firm_user


def test_the_enterprise_reopens_a_resolved_demand_and_the_department_takes_it_again(session):
    build_world(session)
    firm = firm_user("E-WH-2")
    demand = service.submit_demand(session, CONTACT, enterprise_id="E-WH-2", category="logistics",
                                   text="两辆货车需要通行证", at=at("2020-02-11"))
    service.triage(session, TRIAGE, demand_id=demand.id, at=at("2020-02-12"))
    service.resolve(session, TRANSPORT, demand_id=demand.id, outcome="已开具通行证明", at=at("2020-02-13"))
    with pytest.raises(TransitionRefused) as refused:
        service.reopen(session, firm, demand_id=demand.id, reason="")
    assert refused.value.code == "reason_required"
    service.reopen(session, firm, demand_id=demand.id, reason="只开了一辆车的证明", at=at("2020-02-14"))
    assert demand.state == "reopened" and demand.outcome is None and demand.dispatch_count == 2
    assert demand.due_on.isoformat() == "2020-02-18"  # Fri + 2 working days
    keys = set(session.scalars(select(Job.key).where(Job.key.like(f"desk.escalate:{demand.id}:%"))))
    assert keys == {f"desk.escalate:{demand.id}:1:1", f"desk.escalate:{demand.id}:1:2",
                    f"desk.escalate:{demand.id}:2:1", f"desk.escalate:{demand.id}:2:2"}
    service.take(session, TRANSPORT, demand_id=demand.id, at=at("2020-02-14", 11))
    service.resolve(session, TRANSPORT, demand_id=demand.id, outcome="两辆车均已办证", at=at("2020-02-15"))
    service.rate(session, firm, demand_id=demand.id, rating=4, at=at("2020-02-16"))
    with pytest.raises(TransitionRefused) as refused:
        service.reopen(session, firm, demand_id=demand.id, reason="again")
    assert refused.value.code == "wrong_state" and demand.state == "closed"


def test_another_enterprise_cannot_reopen(session):
    build_world(session)
    demand = service.submit_demand(session, CONTACT, enterprise_id="E-WH-2", category="logistics", text="通行证")
    service.triage(session, TRIAGE, demand_id=demand.id)
    service.resolve(session, TRANSPORT, demand_id=demand.id, outcome="ok")
    with pytest.raises(LookupError):
        service.reopen(session, firm_user("E-WH-3"), demand_id=demand.id, reason="not mine")
    assert demand.state == "resolved"
