"""Scoping declarations of the dashboard routes (tests/web/test_route_scoping.py runs them).

Data: the small calibrated scenario (``fugong.dashboard.sample.prepare``), built once per process and
copied into each case's data directory. Hangzhou (3301) officers must never see Ningbo (3302).
"""

from __future__ import annotations

import functools
import io
import shutil
import tempfile
from pathlib import Path

from tests.web.scoping import World, refusal_case

DAY = "date=2020-02-20"
NINGBO_MARKERS = ("330200", "330203", "330205", "宁波")


@functools.cache
def _prepared() -> Path:
    from fugong.dashboard.sample import prepare

    folder = Path(tempfile.mkdtemp(prefix="fugong-dashboard-scoping-"))
    prepare(data_dir=folder)
    return folder


def _seed(world: World) -> None:
    data_dir = Path(world.app.state.settings.data_dir)
    for part in ("results", "parquet"):
        shutil.copytree(_prepared() / part, data_dir / part, dirs_exist_ok=True)


def _ningbo_enterprises() -> set[str]:
    import pyarrow.compute as pc

    from fugong.config import load_settings
    from fugong.index import store

    table = store.read_enterprises(load_settings({"FUGONG_DATA_DIR": str(_prepared())}))
    return set(table.filter(pc.starts_with(table["region_code"], "3302"))["enterprise_id"].to_pylist())


def _refused_ningbo(world: World, path: str) -> None:
    hangzhou = world.headers("officer", "3301")
    for query in ("code=330200", "code=330203", "series=city:330200", "series=county:330203",
                  "series=province:330000", "series=section:C"):
        world.assert_refused(world.client.get(f"{path}?{DAY}&{query}", headers=hangzhou))
    world.assert_refused_for("GET", f"{path}?{DAY}", (("enterprise", "3301", ["E0000001"]), ("gate_staff", "3301", [])))


@refusal_case("GET", "/overview.json")
def a_hangzhou_officers_overview_has_no_ningbo_in_counts_lists_or_rankings(world: World):
    _seed(world)
    response = world.client.get(f"/overview.json?{DAY}", headers=world.headers("officer", "3301"))
    assert response.status_code == 200 and response.json()["headline"]["code"] == "330100"
    world.assert_not_leaked(response, *NINGBO_MARKERS)
    world.assert_refused(world.client.get(f"/overview.json?{DAY}", headers=world.headers("enterprise", "3301", ["E0000001"])))


@refusal_case("GET", "/overview")
def a_hangzhou_officers_overview_page_has_no_ningbo(world: World):
    _seed(world)
    response = world.client.get(f"/overview?{DAY}", headers=world.headers("officer", "3301"))
    assert response.status_code == 200 and "杭州市" in response.text
    world.assert_not_leaked(response, *NINGBO_MARKERS)
    world.assert_refused(world.client.get(f"/overview?{DAY}", headers=world.headers("gate_staff", "3301")))


@refusal_case("GET", "/explorer.json")
def the_explorer_json_refuses_ningbo_and_lists_only_hangzhou(world: World):
    _seed(world)
    _refused_ningbo(world, "/explorer.json")
    response = world.client.get(f"/explorer.json?{DAY}&code=330100", headers=world.headers("officer", "3301"))
    assert response.status_code == 200 and response.json()["table"]["rows"]
    world.assert_not_leaked(response, *NINGBO_MARKERS)


@refusal_case("GET", "/explorer")
def the_explorer_page_refuses_ningbo_and_lists_only_hangzhou(world: World):
    _seed(world)
    _refused_ningbo(world, "/explorer")
    response = world.client.get(f"/explorer?{DAY}", headers=world.headers("officer", "3301"))
    assert response.status_code == 200
    world.assert_not_leaked(response, *NINGBO_MARKERS)


@refusal_case("GET", "/explorer.csv")
def the_csv_export_refuses_ningbo_and_holds_no_ningbo_enterprise(world: World):
    _seed(world)
    _refused_ningbo(world, "/explorer.csv")
    hangzhou = world.headers("officer", "3301")
    for query in ("code=330110", "code=330100&part=series", "part=series"):
        response = world.client.get(f"/explorer.csv?{DAY}&{query}", headers=hangzhou)
        assert response.status_code == 200
        world.assert_not_leaked(response, *NINGBO_MARKERS, *_ningbo_enterprises())


@refusal_case("GET", "/explorer.xlsx")
def the_workbook_export_refuses_ningbo_and_holds_no_ningbo_enterprise(world: World):
    from openpyxl import load_workbook

    _seed(world)
    _refused_ningbo(world, "/explorer.xlsx")
    response = world.client.get(f"/explorer.xlsx?{DAY}&code=330110", headers=world.headers("officer", "3301"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = " ".join(str(v) for sheet in book for row in sheet.values for v in row if v is not None)
    assert "330110" in cells
    world.assert_not_leaked(cells, *NINGBO_MARKERS, *_ningbo_enterprises())


def _one_enterprise(prefix: str) -> str:
    from fugong.config import load_settings
    from fugong.index import store

    table = store.read_enterprises(load_settings({"FUGONG_DATA_DIR": str(_prepared())}))
    return sorted(e for e, r in zip(table["enterprise_id"].to_pylist(), table["region_code"].to_pylist())
                  if r.startswith(prefix) and r[4:] != "00")[0]


def _enterprise_refusals(world: World, path: str) -> None:
    ningbo, hangzhou = _one_enterprise("3302"), _one_enterprise("3301")
    officer = world.headers("officer", "3301")
    ok = world.client.get(f"{path}?id={hangzhou}", headers=officer)
    assert ok.status_code == 200
    world.assert_not_leaked(ok, *NINGBO_MARKERS)
    world.assert_refused(world.client.get(f"{path}?id={ningbo}", headers=officer))
    world.assert_refused_for("GET", f"{path}?id={hangzhou}", (("grid_analyst", "3301", []), ("department", "3301", []),
                                                              ("enterprise", "3301", [hangzhou]), ("gate_staff", "3301", [])))


@refusal_case("GET", "/enterprise.json")
def the_enterprise_json_refuses_another_citys_enterprise_and_aggregate_only_roles(world: World):
    _seed(world)
    _enterprise_refusals(world, "/enterprise.json")


@refusal_case("GET", "/enterprise")
def the_enterprise_page_refuses_another_citys_enterprise_and_aggregate_only_roles(world: World):
    _seed(world)
    _enterprise_refusals(world, "/enterprise")
