"""Scoping declarations of the registry routes (tests/web/test_route_scoping.py runs them). The world
is the one of tests/resumption/scoping_cases.py: E-HZ in 余杭, E-NB in 北仑."""

from __future__ import annotations

from tests.resumption.scoping_cases import NB_MARKERS, others, refused, resumption_case, seed
from tests.web.scoping import World


def _list(world: World, url: str, accept: dict) -> None:
    s = seed(world)
    own = world.client.get(url, headers={**s.officer, **accept})
    assert own.status_code == 200 and "E-HZ" in own.text
    world.assert_not_leaked(own, *NB_MARKERS)
    sep = "&" if "?" in url else "?"
    refused(world, "GET", f"{url}{sep}region=3302", [{**s.officer, **accept}])
    refused(world, "GET", url, [{**h, **accept} for h in [s.hz] + others(world)])


@resumption_case("GET", "/api/enterprises")
def an_officer_lists_the_registry_of_their_region_only(world: World):
    _list(world, "/api/enterprises", {})


@resumption_case("GET", "/enterprises")
def the_registry_page_lists_the_officers_region_only(world: World):
    _list(world, "/enterprises", {"Accept": "text/html"})


def _profile(world: World, template: str, accept: dict) -> None:
    s = seed(world)
    for headers in (s.hz, s.officer):
        own = world.client.get(template.format("E-HZ"), headers={**headers, **accept})
        assert own.status_code == 200 and "杭州甲企业" in own.text
        world.assert_not_leaked(own, *NB_MARKERS)
    refused(world, "GET", template.format("E-NB"), [{**h, **accept} for h in (s.hz, s.officer)])
    refused(world, "GET", template.format("E-HZ"), [{**h, **accept} for h in [s.nb] + others(world)])


@resumption_case("GET", "/api/enterprises/{enterprise_id}")
def another_enterprises_profile_is_refused(world: World):
    _profile(world, "/api/enterprises/{}", {})


@resumption_case("GET", "/enterprises/{enterprise_id}")
def another_enterprises_profile_page_is_refused(world: World):
    _profile(world, "/enterprises/{}", {"Accept": "text/html"})


@resumption_case("POST", "/enterprises/{enterprise_id}/profile")
def nobody_edits_another_enterprises_profile(world: World):
    from fugong.enterprises.models import Enterprise

    s = seed(world)
    refused(world, "POST", "/enterprises/E-NB/profile", [s.hz, s.officer] + others(world), data={"address": "篡改"})
    refused(world, "POST", "/enterprises/E-HZ/profile", [s.hz], data={"enterprise_class": "epidemic_supplies"})
    with world.session() as session:
        assert session.get(Enterprise, "E-NB").address == ""
        assert session.get(Enterprise, "E-HZ").enterprise_class == "industrial"
    own = world.client.post("/enterprises/E-HZ/profile", headers=s.hz, data={"address": "余杭区文一西路1号"})
    assert own.status_code == 200 and own.json()["enterprise"]["address"] == "余杭区文一西路1号"


@resumption_case("POST", "/enterprises/import")
def an_officer_may_not_import_enterprises_into_another_region(world: World):
    from fugong.enterprises.models import Enterprise
    from tests.enterprises.helpers import make_uscc

    s = seed(world)
    body = (f"enterprise_id,uscc,name,region_code\nE-NB2,{make_uscc(41, '330206')},宁波冒入,330206\n"
            f"E-HZ2,{make_uscc(42, '330110')},杭州新增,330110\n").encode()
    answer = world.client.post("/enterprises/import", headers=s.officer, files={"file": ("f.csv", body, "text/csv")})
    assert answer.status_code == 200
    assert (answer.json()["created"], answer.json()["rejected"]) == (1, 1)
    assert answer.json()["rejects"][0]["field"] == "region_code"
    for headers in [s.hz] + others(world):
        world.assert_refused(world.client.post("/enterprises/import", headers=headers,
                                               files={"file": ("f.csv", body, "text/csv")}))
    with world.session() as session:
        assert session.get(Enterprise, "E-NB2") is None and session.get(Enterprise, "E-HZ2") is not None
