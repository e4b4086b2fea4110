"""Scoping declarations of the control routes (see docs/accounts.md, the route-scoping test)."""

from tests.control.web_seed import seed
from tests.risk.web_seed import HANGZHOU_COUNTY, NINGBO_COUNTY
from tests.web.scoping import World, refusal_case


def _hangzhou(world: World) -> dict:
    with world.session() as session:
        seed(session)
    return world.headers("officer", "3301")


@refusal_case("GET", "/control/quadrant.json")
def ningbos_counties_never_reach_hangzhous_quadrant_json(world: World):
    hz = _hangzhou(world)
    response = world.client.get("/control/quadrant.json?date=2020-02-19", headers=hz)
    assert response.status_code == 200 and HANGZHOU_COUNTY in response.text
    world.assert_not_leaked(response, NINGBO_COUNTY, "海曙区", "72.25")
    world.assert_refused(world.client.get("/control/quadrant.json?prefix=3302", headers=hz))
    firm = world.headers("enterprise", "330110", enterprise_ids=["E1"])
    world.assert_refused(world.client.get("/control/quadrant.json", headers=firm))


@refusal_case("GET", "/control/quadrant")
def ningbos_counties_never_reach_hangzhous_quadrant_page(world: World):
    hz = _hangzhou(world)
    response = world.client.get("/control/quadrant?date=2020-02-19", headers={**hz, "Accept": "text/html"})
    assert response.status_code == 200 and "余杭区" in response.text
    world.assert_not_leaked(response, NINGBO_COUNTY, "海曙区", "72.25")
    world.assert_refused(world.client.get("/control/quadrant?prefix=3302", headers=hz))
    gate = world.headers("gate_staff", "3301")
    world.assert_refused(world.client.get("/control/quadrant", headers=gate))
