"""Layered pairing as data (seed 004, Ningbo): leaders take the key firms, departments the firms named
for them, grid officials every other firm of their grid area; coverage counts firms per layer and
those without an official; re-applying a changed plan ends pairings (kept for history); a demand a
paired official records on a visit enters the same lifecycle and shows on their workbench."""

import datetime as dt

import pytest

from fugong.access import AccessDenied, Principal
from fugong.desk import pairing, service
from fugong.desk.models import Contact, Pairing
from fugong.enterprises import service as registry
from tests.desk.helpers import OFFICIAL, SYSTEM, TRIAGE, at, build_world

PLAN = {
    "leader": [{"username": "wh-leader-1", "unit": "WH-FGW", "key_projects": True, "region_prefix": "340203"}],
    "department": [{"username": "wh-jrb-1", "unit": "WH-JRB", "enterprises": ["E-WH-2"]}],
    "grid": [{"area": "WH-G1", "username": "wh-grid-1"}],
}


def test_each_firm_is_paired_once_by_the_highest_layer_and_coverage_counts_the_rest(session):
    build_world(session, firms=6)
    registry.update_enterprise(session, SYSTEM, enterprise_id="E-WH-1", key_project=True, reason="重点项目")
    service.assign_to_area(session, SYSTEM, area_code="WH-G1", enterprise_ids=["E-WH-1", "E-WH-2", "E-WH-3", "E-WH-4"])
    from fugong.desk.models import GridFirm
    session.query(GridFirm).filter(GridFirm.enterprise_id.in_(["E-WH-5", "E-WH-6"])).delete()
    counts = pairing.apply_plan(session, SYSTEM, plan=PLAN, at=at("2020-02-09"))
    assert counts == {"started": 4, "ended": 0, "pairs": 4}
    layers = {p.enterprise_id: (p.layer, p.username) for p in session.query(Pairing)}
    assert layers == {"E-WH-1": ("leader", "wh-leader-1"), "E-WH-2": ("department", "wh-jrb-1"),
                      "E-WH-3": ("grid", "wh-grid-1"), "E-WH-4": ("grid", "wh-grid-1")}
    coverage = pairing.coverage(session, Principal(user_id="a", role="province_admin", region_prefix="34"))
    assert coverage["total"] == {"firms": 6, "paired": 4, "unpaired": 2, "leader": 1, "department": 1, "grid": 2,
                                 "coverage_pct": 66.7}
    with pytest.raises(AccessDenied):
        pairing.coverage(session, Principal(user_id="h", role="officer", region_prefix="3301"), region_prefix="34")
    # The department's firm moves to the grid layer: its department pairing ends, history stays.
    changed = {**PLAN, "department": []}
    assert pairing.apply_plan(session, SYSTEM, plan=changed, at=at("2020-02-20")) == {"started": 1, "ended": 1, "pairs": 4}
    ended = session.query(Pairing).filter(Pairing.ended_at.is_not(None)).one()
    assert (ended.enterprise_id, ended.layer) == ("E-WH-2", "department")


def test_a_demand_recorded_on_a_visit_enters_the_lifecycle_and_the_workbench(session):
    build_world(session)
    pairing.pair(session, SYSTEM, enterprise_id="E-WH-2", username=OFFICIAL.user_id, layer="leader", unit_code="WH-FGW")
    with pytest.raises(AccessDenied):  # not paired with E-WH-3
        service.submit_demand(session, OFFICIAL, enterprise_id="E-WH-3", category="labour", text="缺工")
    demand = service.submit_demand(session, OFFICIAL, enterprise_id="E-WH-2", category="funding",
                                   text="走访了解：资金周转困难", amount_yuan=2_000_000, log_contact=True,
                                   at=at("2020-02-12"))
    assert demand.source == "visit" and demand.state == "collected"
    assert session.query(Contact).filter(Contact.enterprise_id == "E-WH-2").count() == 1
    service.triage(session, TRIAGE, demand_id=demand.id, at=at("2020-02-13"))
    bench = pairing.workbench(session, OFFICIAL, today=dt.date(2020, 2, 28))
    assert [(f["enterprise_id"], f["open_demands"], f["layer"]) for f in bench["firms"]] == [("E-WH-2", 1, "leader")]
    assert [d["id"] for d in bench["overdue"]] == [demand.id]   # due 02-20, still open on 02-28
    assert bench["firms"][0]["last_contact"].startswith("2020-02-12")
