"""Scoping declarations of the desk's pages and of Open311 (see tests/web/scoping.py).

The world: Wuhu (3402) with its triage office, departments and a dispatched funding demand of
E-WH-1; Hangzhou (3301) with its own demand; Open311 keys for a Wuhu and a Hangzhou unit. Every case
shows Hangzhou's users (or another enterprise) refused, or the Wuhu demand's text and firm absent.
"""

from __future__ import annotations

import datetime as dt

from fugong.desk import open311, pairing, rounds, service
from tests.desk.helpers import CONTACT, HZ_OFFICER, SYSTEM, TRIAGE, build_world
from tests.web.matrix import Samples, matrix_seed
from tests.web.scoping import World, exempt, refusal_case

WH_TEXT = "芜湖机密贷款诉求文本"
HZ_TEXT = "杭州机密物流诉求文本"

exempt("GET", "/open311/discovery.{fmt}", "Open311 service discovery: endpoint URL and formats only", public=True)
exempt("GET", "/open311/v2/services.{fmt}", "Open311 service list: the desk's categories, no demand data", public=True)
exempt("GET", "/open311/v2/services/{service_code}.{fmt}", "Open311 service definition: the attribute form of a "
       "category, no demand data", public=True)
exempt("GET", "/open311/v2/requests.{fmt}", "Open311 reads are public as on every Open311 server, with public fields "
       "only (refusal cases below show no firm, text or amount leaks; a setting turns them off)", public=True)
exempt("GET", "/open311/v2/requests/{request_id}.{fmt}", "as requests.{fmt}: public fields only (cases below)",
       public=True)
exempt("GET", "/open311/v2/servicerequestupdates.{fmt}", "as requests.{fmt}: state names only without a key "
       "(cases below)", public=True)
exempt("GET", "/open311/v2/tokens/{token_id}.{fmt}", "maps a token to the same id; no data", public=True)


def seed(world: World) -> dict:
    if getattr(world, "desk", None):
        return world.desk
    with world.session() as session:
        build_world(session)
        wh = service.submit_demand(session, CONTACT, enterprise_id="E-WH-1", category="funding", text=WH_TEXT,
                                   amount_yuan=987654)
        service.triage(session, TRIAGE, demand_id=wh.id)
        hz = service.submit_demand(session, HZ_OFFICER, enterprise_id="E-HZ-1", category="logistics", text=HZ_TEXT)
        rounds.create_rounds(session, SYSTEM, region_prefix="340203", first=dt.date(2020, 2, 11), every=2,
                             last=dt.date(2020, 2, 13))
        pairing.pair(session, SYSTEM, enterprise_id="E-WH-1", username="wh-leader-1", layer="leader")
        _, wh_key = open311.create_key(session, SYSTEM, name="wuhu unit", unit_code="WH-RSJ")
        _, hz_key = open311.create_key(session, SYSTEM, name="hangzhou unit", unit_code="HZ-JXJ")
        _, firm_key = open311.create_key(session, SYSTEM, name="firm 2", enterprise_id="E-WH-2")
        wh_id, hz_id = wh.id, hz.id
    world.desk = {
        "wh": wh_id, "hz": hz_id, "wh_key": wh_key, "hz_key": hz_key, "firm_key": firm_key,
        "hz_officer": world.headers("officer", "3301", username="hz-officer"),
        "wh_triage": world.headers("officer", "3402", username="wh-fgw"),
        "wh_finance": world.headers("department", "3402", username="wh-jrb-1"),
        "wh_transport": world.headers("department", "3402", username="wh-jtj-1"),
        "wh_leader": world.headers("service_officer", "340203", username="wh-leader-1"),
        "firm_1": world.headers("enterprise", "340203", enterprise_ids=["E-WH-1"], username="firm-1"),
        "firm_2": world.headers("enterprise", "340203", enterprise_ids=["E-WH-2"], username="firm-2"),
        "gate": world.headers("gate_staff", "3402", username="gate-1"),
    }
    return world.desk


@refusal_case("GET", "/desk")
@refusal_case("GET", "/desk.json")
def the_landing_counts_only_the_callers_demands(world: World):
    d = seed(world)
    body = world.client.get("/desk.json", headers=d["hz_officer"]).json()
    assert body["open_demands"] == 1  # Hangzhou's own, not Wuhu's
    assert world.client.get("/desk.json", headers=d["firm_2"]).json()["open_demands"] == 0
    world.assert_refused(world.client.get("/desk", headers=d["gate"]))


@refusal_case("GET", "/desk/demands")
@refusal_case("GET", "/desk/demands.json")
@refusal_case("GET", "/desk/demands.csv")
def another_regions_and_another_firms_demands_are_not_listed_or_exported(world: World):
    d = seed(world)
    for path in ("/desk/demands.json", "/desk/demands.csv", "/desk/demands"):
        response = world.client.get(path, headers=d["hz_officer"])
        assert response.status_code == 200 and HZ_TEXT in response.text
        world.assert_not_leaked(response, WH_TEXT, "E-WH-1")
    world.assert_not_leaked(world.client.get("/desk/demands.json?q=贷款", headers=d["firm_2"]), WH_TEXT)
    world.assert_not_leaked(world.client.get("/desk/demands.json", headers=d["wh_transport"]), WH_TEXT)
    world.assert_refused(world.client.get("/desk/demands.json", headers=d["gate"]))


@refusal_case("GET", "/desk/demands/{demand_id}")
def a_demand_of_another_region_or_firm_is_hidden(world: World):
    d = seed(world)
    for who in ("hz_officer", "firm_2", "wh_transport", "gate"):
        for suffix in ("", ".json"):
            world.assert_refused(world.client.get(f"/desk/demands/{d['wh']}{suffix}", headers=d[who]))
    assert world.client.get(f"/desk/demands/{d['wh']}.json", headers=d["wh_leader"]).status_code == 200


@refusal_case("GET", "/desk/demands/new")
def gate_staff_have_no_demand_form(world: World):
    d = seed(world)
    world.assert_refused(world.client.get("/desk/demands/new", headers=d["gate"]))
    response = world.client.get("/desk/demands/new", headers=d["firm_2"])
    assert response.status_code == 200
    world.assert_not_leaked(response, "E-WH-1")


@refusal_case("POST", "/desk/demands")
def nobody_records_a_demand_for_a_firm_outside_their_scope(world: World):
    d = seed(world)
    for who in ("hz_officer", "firm_2", "wh_leader", "gate"):
        headers = {**d[who], "Content-Type": "application/json"}
        enterprise = "E-WH-3" if who == "wh_leader" else "E-WH-1"
        world.assert_refused(world.client.post("/desk/demands", headers=headers,
                                               json={"enterprise_id": enterprise, "category": "other", "text": "x"}))


@refusal_case("POST", "/desk/demands/{demand_id}/{action}")
def only_the_right_unit_or_firm_acts_on_a_demand(world: World):
    d = seed(world)
    url = f"/desk/demands/{d['wh']}"
    for who, action in (("hz_officer", "take"), ("wh_transport", "resolve"), ("firm_2", "reopen"), ("gate", "take")):
        world.assert_refused(world.client.post(f"{url}/{action}", headers={**d[who], "Content-Type": "application/json"},
                                               json={"reason": "x"}))
    with world.session() as session:
        assert session.get(service.Demand, d["wh"]).state == "dispatched"


@refusal_case("GET", "/desk/triage")
@refusal_case("GET", "/desk/triage.json")
def the_triage_queue_is_the_offices_own_region(world: World):
    d = seed(world)
    world.assert_refused(world.client.get("/desk/triage.json", headers=d["wh_finance"]))
    world.assert_refused(world.client.get("/desk/triage", headers=d["firm_1"]))
    hangzhou = world.client.get("/desk/triage.json", headers=d["hz_officer"])  # Hangzhou's own office
    assert hangzhou.status_code == 200 and HZ_TEXT in hangzhou.text
    world.assert_not_leaked(hangzhou, WH_TEXT, "E-WH-1")
    response = world.client.get("/desk/triage.json", headers=d["wh_triage"])
    assert response.status_code == 200
    world.assert_not_leaked(response, HZ_TEXT, "E-HZ-1")


@refusal_case("GET", "/desk/queue")
@refusal_case("GET", "/desk/queue.json")
def a_department_sees_only_its_own_queue(world: World):
    d = seed(world)
    response = world.client.get("/desk/queue.json", headers=d["wh_transport"])
    assert response.status_code == 200
    world.assert_not_leaked(response, WH_TEXT)
    world.assert_refused(world.client.get("/desk/queue.json?unit=WH-JRB", headers=d["wh_transport"]))
    world.assert_refused(world.client.get("/desk/queue", headers=d["firm_1"]))
    hz = world.client.get("/desk/queue.json?unit=WH-JRB", headers=d["hz_officer"])
    world.assert_not_leaked(hz, WH_TEXT)


@refusal_case("GET", "/desk/unit")
@refusal_case("GET", "/desk/unit.json")
def a_contact_units_page_needs_membership(world: World):
    d = seed(world)
    world.assert_refused(world.client.get("/desk/unit.json", headers=d["wh_triage"]))  # triage office: no grid
    world.assert_refused(world.client.get("/desk/unit", headers=d["firm_1"]))
    response = world.client.get("/desk/unit.json", headers=d["hz_officer"])
    world.assert_not_leaked(response, WH_TEXT, "E-WH-1")


@refusal_case("GET", "/desk/funnel")
@refusal_case("GET", "/desk/funnel.json")
@refusal_case("GET", "/desk/funnel.csv")
def another_regions_funnel_is_refused(world: World):
    d = seed(world)
    for path in ("/desk/funnel.json?region=3402", "/desk/funnel.csv?region=340203", "/desk/funnel?region=34"):
        world.assert_refused(world.client.get(path, headers=d["hz_officer"]))
    world.assert_refused(world.client.get("/desk/funnel.json", headers=d["firm_1"]))
    own = world.client.get("/desk/funnel.json", headers=d["hz_officer"])
    assert own.status_code == 200 and own.json()["figures"]["demands_collected"] == 1


@refusal_case("GET", "/desk/workbench")
@refusal_case("GET", "/desk/workbench.json")
def an_official_sees_only_their_paired_firms(world: World):
    d = seed(world)
    mine = world.client.get("/desk/workbench.json", headers=d["wh_leader"]).json()
    assert [f["enterprise_id"] for f in mine["firms"]] == ["E-WH-1"]
    other = world.client.get("/desk/workbench.json", headers=d["hz_officer"])
    world.assert_not_leaked(other, "E-WH-1")
    world.assert_refused(world.client.get("/desk/workbench", headers=d["firm_1"]))


@refusal_case("GET", "/desk/pairing")
@refusal_case("GET", "/desk/pairing.json")
def pairing_coverage_of_another_region_is_refused(world: World):
    d = seed(world)
    world.assert_refused(world.client.get("/desk/pairing.json?region=3402", headers=d["hz_officer"]))
    world.assert_not_leaked(world.client.get("/desk/pairing.json", headers=d["hz_officer"]), "340203")
    world.assert_refused(world.client.get("/desk/pairing", headers=d["firm_1"]))


@refusal_case("POST", "/desk/contacts")
def a_visit_is_logged_only_for_firms_in_scope(world: World):
    d = seed(world)
    for who, firm in (("hz_officer", "E-WH-1"), ("wh_leader", "E-WH-3"), ("firm_1", "E-WH-1")):
        world.assert_refused(world.client.post("/desk/contacts", headers={**d[who], "Content-Type": "application/json"},
                                               json={"enterprise_id": firm}))


@refusal_case("GET", "/open311/v2/requests.{fmt}")
@refusal_case("GET", "/open311/v2/requests/{request_id}.{fmt}")
def open311_reads_never_show_the_firm_the_text_or_amounts_without_the_right_key(world: World):
    d = seed(world)
    for fmt in ("json", "xml"):
        for query in ("jurisdiction_id=3402", f"jurisdiction_id=3402&api_key={d['hz_key']}",
                      f"jurisdiction_id=3402&api_key={d['firm_key']}"):
            for path in (f"/open311/v2/requests.{fmt}?{query}",
                         f"/open311/v2/requests.{fmt}?service_request_id={d['wh']}&{query}",
                         f"/open311/v2/requests/{d['wh']}.{fmt}?{query}"):
                response = world.client.get(path)
                assert response.status_code == 200, response.text
                world.assert_not_leaked(response, WH_TEXT, "E-WH-1", "987654")
    full = world.client.get(f"/open311/v2/requests/{d['wh']}.json?api_key={d['wh_key']}&jurisdiction_id=3402")
    assert full.json()[0]["description"] == WH_TEXT, full.text  # the right key reads it


@refusal_case("GET", "/open311/v2/servicerequestupdates.{fmt}")
def open311_updates_carry_no_officer_notes_without_the_right_key(world: World):
    d = seed(world)
    with world.session() as session:
        service.take(session, service.Principal(user_id="wh-jrb-1", role="department", region_prefix="3402"),
                     demand_id=d["wh"], reason="已联系E-WH-1财务")
    for query in ("", f"&api_key={d['hz_key']}"):
        response = world.client.get(f"/open311/v2/servicerequestupdates.json?jurisdiction_id=3402{query}")
        assert response.status_code == 200
        world.assert_not_leaked(response, "E-WH-1", WH_TEXT)


@refusal_case("POST", "/open311/v2/requests.{fmt}")
def open311_posts_need_a_key_of_the_firms_region_or_the_firm_itself(world: World):
    d = seed(world)
    form = {"service_code": "other", "description": "x", "address_id": "E-WH-1", "jurisdiction_id": "3402"}
    world.assert_refused(world.client.post("/open311/v2/requests.json", data=form))
    world.assert_refused(world.client.post("/open311/v2/requests.json", data={**form, "api_key": d["hz_key"]}))
    world.assert_refused(world.client.post("/open311/v2/requests.json", data={**form, "api_key": d["firm_key"]}))
    world.assert_refused(world.client.post("/open311/v2/requests.json", data={**form, "api_key": "fg311_wrong"}))


# --- the access matrix's world (tests/web/test_access_matrix.py) ------------------------------------

@matrix_seed
def _desk(world) -> Samples:
    """A desk unit in Hangzhou (triage, contact, department) with the matrix's officer, department and
    admin callers as members, one in Ningbo; a dispatched demand of each matrix enterprise; the matrix's
    service officer paired with E-HZ. Sample action: "rate", refused by state for everyone (409), so a
    declared caller gets past the gate without changing anything."""
    from fugong.access import Principal
    from tests.resumption.scoping_cases import matrix_registry

    matrix_registry(world)
    demands = {}
    with world.session() as session:
        for code, prefix, members in (("M-HZ", "3301", ("m-caller-officer", "m-caller-department",
                                                          "m-caller-province_admin")),
                                      ("M-NB", "3302", ("m-nb-triage",))):
            service.add_unit(session, SYSTEM, code=code, name_zh=f"{code}办", name_en=f"{code} office",
                             region_code=prefix, kinds=["triage", "contact", "department"])
            for username in members:
                service.add_member(session, SYSTEM, username=username, unit_code=code)
        pairing.pair(session, SYSTEM, enterprise_id="E-HZ", username="m-caller-service_officer", layer="leader")
        for eid, region, unit, triage in (("E-HZ", "330106", "M-HZ", "m-caller-officer"),
                                          ("E-NB", "330203", "M-NB", "m-nb-triage"),
                                          ("E-HZ2", "330110", "M-HZ", "m-caller-officer")):
            firm = Principal(user_id=f"m-{eid}", role="enterprise", region_prefix=region, enterprise_ids=frozenset({eid}))
            demand = service.submit_demand(session, firm, enterprise_id=eid, category="logistics",
                                           text=f"{eid} 矩阵物流诉求")
            office = Principal(user_id=triage, role="officer", region_prefix=region[:4])
            service.triage(session, office, demand_id=demand.id, department=unit)
            demands[eid] = str(demand.id)
    ids = (demands["E-HZ"], demands["E-NB"], demands["E-HZ2"])
    return Samples(params={"demand_id": ids, "request_id": ids, "action": ("rate",) * 3, "fmt": ("json",) * 3,
                           "service_code": ("logistics",) * 3, "token_id": ("no-such-token",) * 3},
                   markers=("E-NB 矩阵物流诉求", "M-NB"), firm_params=("demand_id",))
