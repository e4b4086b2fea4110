"""承诺即复工 (Harbin, Daqing; seed 004): a signed, versioned pledge and a complete checklist give
provisional approval at once; a sampled filing is inspected, and a failed inspection revokes it with
a reason; a filing not sampled is confirmed by a job when due."""

import datetime as dt

import pytest

from fugong.resumption.filings import create_filing, machine, record_inspection, submit_filing
from fugong.resumption.policies import FilingRefused
from fugong.workflow import jobs, outbox
from fugong.workflow.transitions import timeline
from tests.resumption.helpers import ANSWERS, D, YUHANG, add_firm, at, firm_user, policy_file, publish, staff

PLEDGE = {"pledge_signed_by": "张三（法定代表人）", "pledge_version": "harbin-2020-v1"}


@pytest.fixture
def firm(session):
    add_firm(session, "E1")
    staff(session, "E1", 10, day=D(2020, 2, 10))
    publish(session, D(2020, 2, 10), {"330110": "blue"})  # blue: industrial firms resume on commitment
    return session


def _file(session, policy, **pledge):
    user = firm_user("E1")
    filing = create_filing(session, user, enterprise_id="E1", planned_start=D(2020, 2, 12), staff_planned=10,
                           policy=policy, at=at(D(2020, 2, 11)))
    return submit_filing(session, user, filing_id=filing.id, answers=ANSWERS, policy=policy, at=at(D(2020, 2, 11)),
                         **pledge)


def test_sampled_failed_at_inspection_and_revoked_with_the_reason(firm, tmp_path):
    everyone = policy_file(tmp_path, "commitment-harbin-2020", **{"rate = 0.10": "rate = 1.0", "blue = 0.75": "blue = 1.0"})
    filing = _file(firm, everyone, **PLEDGE)
    assert filing.state == "provisionally_approved"  # at once, in the submitting transaction
    assert filing.sampled is True and filing.sample_probability == 1.0
    assert [i["ok"] for i in filing.checklist] == [True, True, True, True]
    record_inspection(firm, YUHANG, filing_id=filing.id, passed=False, findings="无隔离场所，测温记录缺失",
                      reason="核查发现防控措施未落实，撤销承诺复工", inspected_on=D(2020, 2, 13), at=at(D(2020, 2, 13)))
    assert filing.state == "revoked"
    steps = timeline(firm, machine=machine(), entity_id=filing.id)
    assert [(s["action"], s["to"]) for s in steps] == [("create", "draft"), ("submit", "submitted"),
                                                       ("grant_provisional", "provisionally_approved"),
                                                       ("inspect_fail", "revoked")]
    assert steps[-1]["reason"] == "核查发现防控措施未落实，撤销承诺复工" and steps[-1]["actor"] == "officer:yh-officer"
    inbox = outbox.inbox(firm, recipient_kind="enterprise", recipient_id="E1")
    assert [n["kind"] for n in inbox] == ["filing.revoked", "filing.provisionally_approved", "filing.submitted"]
    assert "核查发现防控措施未落实" in inbox[0]["body_zh"]


def test_not_sampled_it_is_confirmed_by_a_job_when_due(firm, tmp_path, engine):
    nobody = policy_file(tmp_path, "commitment-harbin-2020", **{"rate = 0.10": "rate = 0.0"})
    filing = _file(firm, nobody, **PLEDGE)
    assert (filing.state, filing.sampled) == ("provisionally_approved", False)
    firm.commit()
    assert jobs.run_due(engine, worker="w", now=at(D(2020, 2, 12)).astimezone(dt.timezone.utc)).done == 0
    summary = jobs.run_due(engine, worker="w", now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=8))
    assert summary.done == 1, summary.errors
    firm.expire_all()
    assert filing.state == "approved"


def test_without_a_signed_pledge_it_waits_for_the_officers_with_the_reason(firm):
    filing = _file(firm, "commitment-harbin-2020")
    assert filing.state == "submitted"
    assert filing.answers["_review_reasons"] == [{"zh": "未签署承诺书", "en": "no signed pledge"}]


def test_an_old_pledge_version_is_refused(firm):
    with pytest.raises(FilingRefused):
        _file(firm, "commitment-harbin-2020", pledge_signed_by="张三", pledge_version="harbin-2020-v0")


def test_at_a_level_without_commitment_resumption_it_goes_to_review(firm):
    publish(firm, D(2020, 2, 11), {"330110": "yellow"})  # yellow: commitment on; orange: off
    publish(firm, D(2020, 2, 11), {"330110": "orange"})
    from fugong.enterprises.service import add_to_white_list, create_white_list

    white = create_white_list(firm, YUHANG, name="余杭白名单", region_prefix="330110", starts_on=D(2020, 2, 1))
    add_to_white_list(firm, YUHANG, list_id=white.id, enterprise_ids=["E1"], reason="重点出口")
    filing = _file(firm, "commitment-harbin-2020", **PLEDGE)
    assert filing.state == "submitted"
    assert any("不实行承诺即复工" in r["zh"] for r in filing.answers["_review_reasons"])
