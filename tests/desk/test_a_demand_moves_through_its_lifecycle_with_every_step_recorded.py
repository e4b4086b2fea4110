"""A demand goes collected → valid → dispatched → in progress → awaiting the enterprise → in progress →
resolved → closed; every step is a transition row with who, role, when and why, and an audit entry."""

from sqlalchemy import select

import pytest

from fugong.desk import service
from fugong.store.audit import AuditEntry
from fugong.workflow.machine import TransitionRefused
from fugong.workflow.models import TransitionRow
from tests.desk.helpers import CONTACT, FINANCE, TRANSPORT, TRIAGE, at, build_world, firm_user


def test_a_financing_demand_is_resolved_and_rated_with_every_transition_timestamped_and_reasoned(session):
    build_world(session)
    firm = firm_user("E-WH-1")
    demand = service.submit_demand(session, firm, enterprise_id="E-WH-1", category="funding",
                                   text="急需流动资金贷款500万元用于采购原材料", amount_yuan="5,000,000",
                                   policy_ref="芜湖市十八条 第5条", at=at("2020-02-12", 9))
    assert demand.state == "collected" and demand.source == "enterprise" and demand.contact_unit == "WH-RSJ"
    service.accept(session, TRIAGE, demand_id=demand.id, at=at("2020-02-13", 9))
    service.dispatch(session, TRIAGE, demand_id=demand.id, at=at("2020-02-13", 10))
    assert demand.department == "WH-JRB" and demand.due_on.isoformat() == "2020-02-20"  # 5 working days
    service.take(session, FINANCE, demand_id=demand.id, at=at("2020-02-14"))
    service.ask(session, FINANCE, demand_id=demand.id, question="请提供近三个月财务报表", at=at("2020-02-14", 11))
    with pytest.raises(LookupError):  # another enterprise does not even see it
        service.answer(session, firm_user("E-WH-2"), demand_id=demand.id, text="x")
    service.answer(session, firm, demand_id=demand.id, text="已上传报表", at=at("2020-02-14", 15))
    service.progress(session, FINANCE, demand_id=demand.id, note="已对接工商银行", at=at("2020-02-15"))
    service.resolve(session, FINANCE, demand_id=demand.id, outcome="获批贷款300万元",
                    amounts={"loan_approved_yuan": 3_000_000}, at=at("2020-02-18"))
    service.rate(session, firm, demand_id=demand.id, rating=5, comment="很及时", at=at("2020-02-19"))
    assert demand.state == "closed" and demand.rating == 5

    rows = list(session.scalars(select(TransitionRow).where(TransitionRow.entity_id == str(demand.id))
                                .order_by(TransitionRow.id)))
    assert [(r.action, r.to_state) for r in rows] == [
        ("create", "collected"), ("accept", "valid"), ("dispatch", "dispatched"), ("take", "in_progress"),
        ("ask", "awaiting_enterprise"), ("answer", "in_progress"), ("progress", "in_progress"),
        ("resolve", "resolved"), ("rate", "closed")]
    assert [r.role for r in rows] == ["enterprise", "officer", "officer", "department", "department", "enterprise",
                                      "department", "department", "enterprise"]
    assert all(r.at is not None for r in rows) and rows[4].reason == "请提供近三个月财务报表"
    assert rows[7].data == {"department": "WH-JRB", "loan_approved_yuan": "3000000.00"}
    audited = session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "desk-demand",
                                                              AuditEntry.entity_id == str(demand.id))).all()
    assert len(audited) == len(rows)


def test_the_wrong_unit_may_not_triage_or_resolve(session):
    build_world(session)
    demand = service.submit_demand(session, CONTACT, enterprise_id="E-WH-2", category="logistics",
                                   text="货车通行证办理", at=at("2020-02-12"))
    with pytest.raises(TransitionRefused) as refused:  # a contact unit collects, it does not triage
        service.accept(session, CONTACT, demand_id=demand.id)
    assert refused.value.code == "not_triage_office"
    service.triage(session, TRIAGE, demand_id=demand.id, at=at("2020-02-13"))
    assert demand.department == "WH-JTJ"
    with pytest.raises(LookupError):  # finance was not given this demand: it does not see it
        service.resolve(session, FINANCE, demand_id=demand.id, outcome="done")
    with pytest.raises(TransitionRefused) as refused:  # resolving needs an outcome
        service.resolve(session, TRANSPORT, demand_id=demand.id, outcome="")
    assert refused.value.code == "reason_required"


def test_an_invalid_demand_needs_a_reason_and_is_final(session):
    build_world(session)
    demand = service.submit_demand(session, CONTACT, enterprise_id="E-WH-3", category="other", text="咨询",
                                   at=at("2020-02-12"))
    with pytest.raises(TransitionRefused):
        service.invalidate(session, TRIAGE, demand_id=demand.id, reason=" ")
    service.invalidate(session, TRIAGE, demand_id=demand.id, reason="非本区企业诉求", at=at("2020-02-13"))
    with pytest.raises(TransitionRefused) as refused:
        service.accept(session, TRIAGE, demand_id=demand.id)
    assert refused.value.code == "wrong_state"
