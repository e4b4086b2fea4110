"""Two vintages of GB/T 2260 and the mapping between them (Hangzhou's redistricting of 2021)."""

import csv
from pathlib import Path

import pytest

from fugong.reference import regions
from fugong.reference.regions import UnknownRegion

SHARED_2020 = Path(__file__).resolve().parents[3] / "shared" / "data" / "reference" / "china-area-codes-2020.csv"
CHANGES = Path(regions.__file__).parent / "data" / "regions" / "changes-2020-2021.csv"


def _map(code, source="2020", target="2021"):
    return regions.map_code(code, from_vintage=source, to_vintage=target)


def test_the_2020_vintage_has_the_districts_hangzhou_abolished_in_2021():
    assert regions.get("330104", vintage="2020").name == "江干区"
    assert regions.get("330103", vintage="2020").name == "下城区"
    assert regions.find("330113", vintage="2020") is None  # 临平区 did not exist yet


def test_the_2021_vintage_has_the_districts_hangzhou_created():
    assert regions.get("330113", vintage="2021").name == "临平区"
    assert regions.get("330114", vintage="2021").name == "钱塘区"
    assert regions.find("330104", vintage="2021") is None


def test_zhejiang_has_90_counties_in_both_vintages():
    assert len(regions.children("33", level="county", vintage="2020")) == 90
    assert len(regions.children("33", level="county", vintage="2021")) == 90


def test_the_2020_vintage_holds_every_code_of_the_source_list():
    if not SHARED_2020.exists():
        pytest.skip(f"{SHARED_2020} not present")
    with SHARED_2020.open(encoding="utf-8") as fh:
        source = {row["code"]: row["name"] for row in csv.DictReader(fh)}
    table = {r.code: r.name for r in regions.all_regions(vintage="2020")}
    assert all(table.get(code) == name for code, name in source.items())


def test_abolished_jianggan_maps_to_both_successors():
    assert _map("330104") == ["330102", "330114"]  # 上城区, 钱塘区


def test_abolished_xiacheng_maps_into_the_enlarged_gongshu():
    assert _map("330103") == ["330105"]


def test_yuhang_2020_maps_to_yuhang_and_linping():
    assert _map("330110") == ["330110", "330113"]


def test_new_districts_map_back_to_their_predecessors():
    assert _map("330113", "2021", "2020") == ["330110"]  # 临平区 ← 余杭区
    assert _map("330114", "2021", "2020") == ["330104", "330109"]  # 钱塘区 ← 江干区, 萧山区
    assert _map("330102", "2021", "2020") == ["330102", "330104"]  # 上城区 ← 上城区, 江干区


def test_unchanged_codes_map_to_themselves():
    assert _map("330106") == ["330106"]  # 西湖区
    assert _map("330100") == ["330100"]
    assert _map("330106", "2021", "2020") == ["330106"]
    assert _map("330110", "2021", "2021") == ["330110"]


def test_a_renamed_unit_with_a_new_code_maps_to_it():
    assert _map("431121") == ["431181"]  # 祁阳县 → 祁阳市
    assert regions.get("431181").name == "祁阳市"


def test_a_code_unknown_in_the_source_vintage_is_an_error():
    with pytest.raises(UnknownRegion, match="2021"):
        _map("330104", "2021", "2020")


def test_a_new_unit_without_a_recorded_predecessor_is_an_error():
    with pytest.raises(UnknownRegion, match="no counterpart"):
        _map("659011", "2021", "2020")  # 新星市


def test_the_change_table_names_codes_that_exist_in_their_vintages():
    with CHANGES.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        assert regions.get(row["old_code"], vintage="2020").name == row["old_name"]
        assert regions.get(row["new_code"], vintage="2021").name == row["new_name"]


def test_every_code_dropped_in_2021_has_a_successor():
    old = {r.code for r in regions.all_regions(vintage="2020")}
    new = {r.code for r in regions.all_regions(vintage="2021")}
    for code in sorted(old - new):
        assert all(c in new for c in _map(code)), code


def test_a_code_abolished_in_2021_is_still_found_in_the_2020_vintage():
    from fugong.reference import regions

    region = regions.find_in_any_vintage("330103")
    assert region is not None and region.name == "下城区" and region.vintage == "2020"
    assert regions.find_in_any_vintage("330113").vintage == "2021"  # 临平区, created in 2021
    assert regions.find_in_any_vintage("330110").vintage == "2021"  # in both: the newest wins
    assert regions.find_in_any_vintage("339999") is None
