"""上海四优先 (seed 001): four ordered criteria as a scoring rule; the officers' queue lists the
filings by score (an earlier criterion outranks all later ones together), then by waiting time."""

from fugong.resumption.filings import create_filing, queue, submit_filing
from fugong.resumption.policies import load_policy
from tests.resumption.helpers import D, YUHANG, add_firm, at, firm_user

POLICY = "priorities-shanghai-2020"


def _file(session, eid, answers, hour):
    user = firm_user(eid)
    filing = create_filing(session, user, enterprise_id=eid, planned_start=D(2020, 2, 12), policy=POLICY,
                           at=at(D(2020, 2, 11), hour))
    return submit_filing(session, user, filing_id=filing.id, answers=answers, policy=POLICY, at=at(D(2020, 2, 11), hour))


def test_scores_follow_the_order_of_the_criteria(session):
    add_firm(session, "LIVELIHOOD", enterprise_class="public_utilities")
    add_firm(session, "BIG", above_scale=True)
    add_firm(session, "ORDERS")
    add_firm(session, "NOTHING")
    scores = {
        "LIVELIHOOD": _file(session, "LIVELIHOOD", {}, 11).priority_score,
        "BIG": _file(session, "BIG", {"core_posts": True, "orders_in_hand": True, "prevention_plan": True}, 9).priority_score,
        "ORDERS": _file(session, "ORDERS", {"orders_in_hand": True, "prevention_plan": True}, 8).priority_score,
        "NOTHING": _file(session, "NOTHING", {"prevention_plan": True}, 7).priority_score,
    }
    assert scores == {"LIVELIHOOD": 8, "BIG": 4 + 2 + 1, "ORDERS": 1, "NOTHING": 0}
    rows = queue(session, YUHANG)["rows"]
    assert [r["enterprise_id"] for r in rows] == ["LIVELIHOOD", "BIG", "ORDERS", "NOTHING"]


def test_equal_scores_wait_in_order_of_arrival(session):
    add_firm(session, "EARLY")
    add_firm(session, "LATE")
    _file(session, "LATE", {}, 15)
    _file(session, "EARLY", {}, 8)
    assert [r["enterprise_id"] for r in queue(session, YUHANG)["rows"]] == ["EARLY", "LATE"]


def test_the_criteria_are_the_seeds_four_in_order():
    assert [p.zh for p in load_policy(POLICY).priorities] == [
        "事关国计民生、城市运行保障必需", "经济贡献度高", "核心管理人员、一线熟练操作工人", "在手订单足、防控措施实"]
