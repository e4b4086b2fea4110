"""Scoping declarations of the control routes (see docs/accounts.md, the route-scoping test)."""

from tests.control.web_seed import seed
from tests.risk.web_seed import HANGZHOU_COUNTY, NINGBO_COUNTY
from tests.web.matrix import Samples, matrix_seed
from tests.web.scoping import World, refusal_case


@matrix_seed
def _control_and_publications(world) -> Samples:
    """The access matrix's world: control results of 余杭区 and 海曙区 (the risk grades come from the
    risk seeder) and a published version of 2020-02-19 for Hangzhou (scope 3301)."""
    from tests.control.web_seed import seed_control

    with world.session() as session:
        seed_control(session)
    _bundle(world, "3301", 1)
    return Samples(query={"date": "2020-02-19", "version": "1"}, markers=("72.25",))


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


def _bundle(world: World, scope: str, version: int) -> None:
    """A published version on disk (as fugong publish writes it) with the given scope."""
    import json
    from pathlib import Path

    folder = Path(world.app.state.settings.data_dir) / "publications" / "2020-02-19" / f"v{version}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "quadrant.csv").write_text("region_code\n330203\n" if scope == "" else "region_code\n330110\n",
                                         encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({
        "version": version, "scope": scope, "lang": "zh", "generated_at": "2020-02-19T20:00:00+00:00",
        "notes": [], "files": [{"name": "quadrant.csv", "bytes": 1, "sha256": "x"}]}), encoding="utf-8")


@refusal_case("GET", "/publish.json")
def ningbos_counties_never_reach_hangzhous_publication_json(world: World):
    hz = _hangzhou(world)
    _bundle(world, "", 1)
    _bundle(world, "3301", 2)
    response = world.client.get("/publish.json?date=2020-02-19", headers=hz)
    assert response.status_code == 200 and HANGZHOU_COUNTY in response.text
    world.assert_not_leaked(response, NINGBO_COUNTY, "海曙区", "72.25")
    assert [v["version"] for v in response.json()["versions"]] == [2]  # the province-wide v1 is not offered
    firm = world.headers("enterprise", "330110", enterprise_ids=["E1"])
    world.assert_refused(world.client.get("/publish.json", headers=firm))


@refusal_case("GET", "/publish")
def ningbos_counties_never_reach_hangzhous_publication_page(world: World):
    hz = _hangzhou(world)
    response = world.client.get("/publish?date=2020-02-19", headers={**hz, "Accept": "text/html"})
    assert response.status_code == 200 and "余杭区" in response.text
    world.assert_not_leaked(response, NINGBO_COUNTY, "海曙区", "72.25")
    world.assert_refused(world.client.get("/publish", headers=world.headers("gate_staff", "3301")))


@refusal_case("GET", "/publish/download")
def a_province_wide_bundle_is_not_downloaded_by_a_city_officer(world: World):
    hz = _hangzhou(world)
    _bundle(world, "", 1)
    _bundle(world, "3301", 2)
    world.assert_refused(world.client.get("/publish/download?date=2020-02-19&version=1", headers=hz))
    own = world.client.get("/publish/download?date=2020-02-19&version=2", headers=hz)
    assert own.status_code == 200 and own.headers["content-type"] == "application/zip"
    province = world.headers("province_admin", "")
    assert world.client.get("/publish/download?date=2020-02-19&version=1", headers=province).status_code == 200
    world.assert_refused(world.client.get("/publish/download?date=2020-02-19&version=9", headers=province))
