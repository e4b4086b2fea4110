"""Routing rules (category × region prefix × conditions → department) are published in versions: the
most specific rule wins, a dispatched demand keeps the rule that routed it, bad rules name their field."""

import pytest

from fugong.access import AccessDenied, Principal
from fugong.desk import routing, service
from fugong.desk.routing import RoutingError
from fugong.desk.service import DeskError
from fugong.enterprises import service as registry
from tests.desk.helpers import CONTACT, SYSTEM, TRIAGE, WUHU, at, build_world


def test_the_most_specific_rule_of_the_latest_version_routes_a_demand(session):
    build_world(session)
    registry.update_enterprise(session, SYSTEM, enterprise_id="E-WH-1", above_scale=True, reason="规上")
    small_loan = service.submit_demand(session, CONTACT, enterprise_id="E-WH-2", category="funding", text="贷款",
                                       amount_yuan=500_000)
    big_loan = service.submit_demand(session, CONTACT, enterprise_id="E-WH-1", category="funding", text="贷款",
                                     amount_yuan=20_000_000)
    permit = service.submit_demand(session, CONTACT, enterprise_id="E-WH-1", category="permits", text="环评")
    assert routing.route(session, small_loan).department == "WH-JRB"     # category rule of the city beats "*" of the county
    assert routing.route(session, permit).department == "WH-RSJ"         # only "*" matches
    v2 = routing.publish(session, SYSTEM, reason="大额贷款由发改委协调", rules=[
        {"category": "funding", "region_prefix": "3402", "department": "WH-JRB"},
        {"category": "funding", "region_prefix": WUHU, "department": "WH-RSJ",
         "conditions": {"min_amount_yuan": 10_000_000, "above_scale": True}},
        {"category": "*", "region_prefix": WUHU, "department": "WH-RSJ"},
    ])
    assert v2.version == 2
    assert routing.route(session, big_loan).department == "WH-RSJ"
    assert routing.route(session, small_loan).department == "WH-JRB"     # the condition does not hold
    assert routing.route(session, big_loan, version=1).department == "WH-JRB"  # v1 is unchanged
    service.triage(session, TRIAGE, demand_id=big_loan.id, at=at("2020-02-12"))
    routed_by = big_loan.routing_rule_id
    routing.publish(session, SYSTEM, reason="v3", rules=[{"category": "*", "region_prefix": "34", "department": "WH-JTJ"}])
    assert big_loan.department == "WH-RSJ" and big_loan.routing_rule_id == routed_by
    assert routing.rules_view(session, version=2)["rules"][1]["conditions"] == {"min_amount_yuan": 10000000,
                                                                                 "above_scale": True}


def test_no_matching_rule_asks_for_a_department(session):
    build_world(session)
    routing.publish(session, SYSTEM, reason="only funding", rules=[{"category": "funding", "department": "WH-JRB"}])
    demand = service.submit_demand(session, CONTACT, enterprise_id="E-WH-1", category="labour", text="缺工")
    service.accept(session, TRIAGE, demand_id=demand.id)
    with pytest.raises(DeskError) as error:
        service.dispatch(session, TRIAGE, demand_id=demand.id)
    assert error.value.field == "department" and demand.state == "valid"
    service.dispatch(session, TRIAGE, demand_id=demand.id, department="WH-RSJ")
    assert demand.department == "WH-RSJ" and demand.routing_rule_id is None


@pytest.mark.parametrize(("rule", "field"), [
    ({"category": "nonsense", "department": "WH-JRB"}, "category"),
    ({"category": "funding", "region_prefix": "34A", "department": "WH-JRB"}, "region_prefix"),
    ({"category": "funding", "department": "WH-FGW"}, "department"),   # the triage office is no department
    ({"category": "funding", "department": "WH-JRB", "conditions": {"colour": "red"}}, "conditions.colour"),
    ({"category": "funding", "department": "WH-JRB", "conditions": {"above_scale": "yes"}}, "conditions.above_scale"),
])
def test_a_bad_rule_is_refused_naming_its_field(session, rule, field):
    build_world(session)
    with pytest.raises(RoutingError) as error:
        routing.publish(session, SYSTEM, reason="bad", rules=[{"category": "*", "department": "WH-JRB"}, rule],
                        source="rules.toml")
    assert f"rules.toml: rules[1].{field}" in str(error.value)
    assert routing.current_version(session) == 1


def test_an_officer_of_another_region_may_not_publish_rules_for_this_one(session):
    build_world(session)
    admin = Principal(user_id="zj-admin", role="province_admin", region_prefix="33")
    with pytest.raises(AccessDenied):
        routing.publish(session, admin, reason="x", rules=[{"category": "*", "region_prefix": "3402",
                                                            "department": "WH-JRB"}])
    with pytest.raises(AccessDenied):
        routing.publish(session, TRIAGE, reason="x", rules=[{"category": "*", "region_prefix": "3402",
                                                             "department": "WH-JRB"}])
