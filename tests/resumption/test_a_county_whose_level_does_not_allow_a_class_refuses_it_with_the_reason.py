"""The county's current risk level and its measures profile gate approval: a class the level does not
allow cannot be approved — by the officer (refused with the reason) or on commitment (rejected with
the reason) — and the same filing is approvable once the county is re-graded."""

import pytest

from fugong.resumption.filings import create_filing, decide, filing_view, submit_filing
from fugong.workflow.machine import TransitionRefused
from tests.resumption.helpers import ANSWERS, D, YUHANG, add_firm, at, firm_user, publish, staff


def _submitted(session, enterprise_id, policy="periods-wenzhou-2020", **kw):
    user = firm_user(enterprise_id)
    filing = create_filing(session, user, enterprise_id=enterprise_id, planned_start=D(2020, 2, 25), policy=policy,
                           at=at(D(2020, 2, 24)))
    return submit_filing(session, user, filing_id=filing.id, answers=ANSWERS, policy=policy, at=at(D(2020, 2, 24)), **kw)


def test_an_officer_cannot_approve_an_industrial_firm_in_a_red_county(session):
    add_firm(session, "E1")
    publish(session, D(2020, 2, 22), {"330110": "red"})
    filing = _submitted(session, "E1")
    assert filing.state == "submitted"
    view = filing_view(session, YUHANG, filing)
    assert view["gate"]["allows"] is False and view["gate"]["level"] == "red" and view["gate"]["level_zh"] == "高风险"
    with pytest.raises(TransitionRefused) as caught:
        decide(session, YUHANG, filing_id=filing.id, action="approve", reason="材料齐全")
    assert caught.value.code == "measures"
    assert "一般工业企业" in caught.value.zh and "防疫物资生产" in caught.value.zh and "2020-02-22" in caught.value.zh
    assert "other industrial enterprises" in caught.value.en
    assert filing.state == "submitted"
    publish(session, D(2020, 2, 25), {"330110": "yellow"})
    decide(session, YUHANG, filing_id=filing.id, action="approve", reason="县域降为黄色，材料齐全")
    assert filing.state == "approved"


def test_a_commitment_filing_of_a_class_the_level_refuses_is_rejected_with_the_reason(session):
    add_firm(session, "E2")
    staff(session, "E2", 5, day=D(2020, 2, 20))
    publish(session, D(2020, 2, 22), {"330110": "red"})
    filing = _submitted(session, "E2", policy="commitment-harbin-2020", pledge_signed_by="李四",
                        pledge_version="harbin-2020-v1")
    assert filing.state == "rejected"
    from fugong.workflow.transitions import timeline
    from fugong.resumption.filings import machine

    last = timeline(session, machine=machine(), entity_id=filing.id)[-1]
    assert last["action"] == "reject" and last["role"] == "system" and "一般工业企业" in last["reason"]


def test_a_county_never_graded_gets_the_most_cautious_measures(session):
    add_firm(session, "E3", region="330106")
    filing = _submitted(session, "E3")
    with pytest.raises(TransitionRefused) as caught:
        decide(session, YUHANG.__class__(user_id="xh", role="officer", region_prefix="330106"), filing_id=filing.id,
               action="approve", reason="x")
    assert "尚未发布分级" in caught.value.zh
