"""Scoping declarations of the risk routes (see docs/accounts.md, the route-scoping test)."""

from tests.risk.web_seed import HANGZHOU_COUNTY, NINGBO_COUNTY, seed
from tests.web.scoping import World, refusal_case



def _hangzhou(world: World) -> dict:
    with world.session() as session:
        seed(session)
    return world.headers("officer", "3301")


@refusal_case("GET", "/risk/map.json")
def ningbos_counties_never_reach_hangzhous_map_json(world: World):
    hz = _hangzhou(world)
    response = world.client.get("/risk/map.json?date=2020-02-19", headers=hz)
    assert response.status_code == 200 and HANGZHOU_COUNTY in response.text
    world.assert_not_leaked(response, NINGBO_COUNTY, "海曙区")
    world.assert_refused(world.client.get("/risk/map.json?prefix=3302", headers=hz))


@refusal_case("GET", "/risk/map")
def ningbos_counties_never_reach_hangzhous_map_page(world: World):
    hz = _hangzhou(world)
    response = world.client.get("/risk/map?date=2020-02-19", headers=hz)
    assert response.status_code == 200 and HANGZHOU_COUNTY in response.text
    world.assert_not_leaked(response, NINGBO_COUNTY, "海曙区")
    world.assert_refused(world.client.get("/risk/map?prefix=3302", headers=hz))


@refusal_case("GET", "/risk/map.svg")
def ningbos_counties_are_not_coloured_on_hangzhous_export(world: World):
    hz = _hangzhou(world)
    response = world.client.get("/risk/map.svg?date=2020-02-19", headers=hz)
    assert response.status_code == 200
    body = response.text
    # The boundary of 海曙区 is drawn (shared map asset) but left uncoloured: no grade, no count.
    assert f'data-adcode="{NINGBO_COUNTY}"' in body
    ningbo_path = body.split(f'data-adcode="{NINGBO_COUNTY}"')[0].rsplit("<path", 1)[1]
    assert 'fill="#e6e6e6"' in ningbo_path
    world.assert_refused(world.client.get("/risk/map.svg?prefix=3302", headers=hz))


@refusal_case("GET", "/risk/regions/{region_code}.json")
def another_citys_county_history_is_refused(world: World):
    hz = _hangzhou(world)
    assert world.client.get(f"/risk/regions/{HANGZHOU_COUNTY}.json", headers=hz).status_code == 200
    world.assert_refused(world.client.get(f"/risk/regions/{NINGBO_COUNTY}.json", headers=hz))


@refusal_case("GET", "/risk/regions/{region_code}")
def another_citys_county_page_is_refused(world: World):
    hz = _hangzhou(world)
    assert world.client.get(f"/risk/regions/{HANGZHOU_COUNTY}", headers=hz).status_code == 200
    world.assert_refused(world.client.get(f"/risk/regions/{NINGBO_COUNTY}", headers=hz))
