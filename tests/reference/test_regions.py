"""GB/T 2260 lookups: by code and name, descendants by prefix, levels and parents, errors, roll-up."""

import pytest

from fugong.reference import regions
from fugong.reference.regions import Region, UnknownRegion

# Facts from the published code lists (not from the code under test).
HANGZHOU_2021 = {"上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "富阳区", "临安区", "临平区",
                 "钱塘区", "桐庐县", "淳安县", "建德市"}
ZHEJIANG_CITIES = {"杭州市", "宁波市", "温州市", "嘉兴市", "湖州市", "绍兴市", "金华市", "衢州市", "舟山市",
                   "台州市", "丽水市"}


def test_it_finds_a_county_by_code_with_level_parent_and_vintage():
    assert regions.get("330110") == Region("330110", "余杭区", "county", "330100", regions.DEFAULT_VINTAGE)


def test_it_accepts_short_prefixes_and_integers_as_codes():
    assert regions.get("33").name == "浙江省"
    assert regions.get("3301").name == "杭州市"
    assert regions.get(330110).name == "余杭区"


def test_the_default_vintage_is_the_current_one():
    assert regions.DEFAULT_VINTAGE == regions.VINTAGES[-1]
    assert regions.VINTAGES[0] == "2020"


def test_an_unknown_code_raises_a_lookup_error_naming_code_and_vintage():
    with pytest.raises(UnknownRegion) as info:
        regions.get("999999", vintage="2020")
    assert isinstance(info.value, LookupError)
    assert "999999" in str(info.value) and "2020" in str(info.value)


def test_an_abolished_code_error_points_to_the_vintage_that_has_it():
    with pytest.raises(UnknownRegion, match="江干区 in vintage 2020"):
        regions.get("330104", vintage="2021")


def test_find_returns_none_for_an_unknown_code():
    assert regions.find("999999") is None


@pytest.mark.parametrize("bad", ["33011", "abc", "3301100", ""])
def test_a_malformed_code_is_a_value_error(bad):
    with pytest.raises(ValueError, match="GB/T 2260"):
        regions.find(bad)


def test_an_unknown_vintage_names_the_accepted_ones():
    with pytest.raises(ValueError, match="2020, 2021"):
        regions.get("330110", vintage="1999")


def test_search_puts_the_exact_name_first():
    hits = regions.search("杭州市")
    assert hits[0].code == "330100"
    assert [r.code for r in regions.search("余杭")] == ["330110"]


def test_search_finds_substrings_across_levels():
    names = {r.name for r in regions.search("北京")}
    assert {"北京市", "北京市市辖区"} <= names


def test_search_with_an_empty_name_finds_nothing():
    assert regions.search("  ") == []


def test_children_of_a_city_prefix_are_its_districts_and_counties():
    assert {r.name for r in regions.children("3301")} == HANGZHOU_2021
    assert regions.children("330100") == regions.children("3301")


def test_children_of_a_province_cover_all_levels_below_it():
    zhejiang = regions.children("33")
    assert {r.name for r in zhejiang if r.level == "city"} == ZHEJIANG_CITIES
    assert sum(r.level == "county" for r in zhejiang) == 90
    assert all(r.code.startswith("33") and r.code != "330000" for r in zhejiang)


def test_children_with_the_next_level_are_the_direct_children():
    cities = regions.children("33", level="city")
    assert {r.name for r in cities} == ZHEJIANG_CITIES
    assert {r.parent for r in cities} == {"330000"}


def test_a_city_without_districts_has_no_children():
    for code, name in [("441900", "东莞市"), ("442000", "中山市"), ("460400", "儋州市")]:
        region = regions.get(code)
        assert (region.name, region.level, region.parent) == (name, "city", code[:2] + "0000")
        assert regions.children(code) == []


def test_municipal_districts_have_the_municipality_city_row_as_parent():
    dongcheng = regions.get("110101")
    assert (dongcheng.level, dongcheng.parent) == ("county", "110100")
    assert regions.get("110100").level == "city"
    assert regions.get("110100").parent == "110000"
    assert len(regions.children("11", level="county")) == 16  # Beijing's 16 districts
    # Chongqing's counties sit under the GB/T 2260 "县" row 500200, its districts under 500100.
    assert regions.get("500229").parent == "500200"  # 城口县
    assert regions.get("500101").parent == "500100"  # 万州区


@pytest.mark.parametrize("vintage", ["2020", "2021"])
def test_county_level_units_under_a_province_have_the_9000_grouping_row_as_parent(vintage):
    hubei = regions.children("4290", vintage=vintage)
    assert {r.name for r in hubei} == {"仙桃市", "潜江市", "天门市", "神农架林区"}
    assert {(r.level, r.parent) for r in hubei} == {("county", "429000")}
    assert regions.get("429000", vintage=vintage).parent == "420000"
    assert regions.get("469001", vintage=vintage).parent == "469000"  # 五指山市
    assert regions.get("419001", vintage=vintage).parent == "419000"  # 济源市


@pytest.mark.parametrize("vintage", ["2020", "2021"])
def test_every_parent_is_a_region_one_level_up_and_a_prefix_of_the_code(vintage):
    table = {r.code: r for r in regions.all_regions(vintage=vintage)}
    for region in table.values():
        if region.level == "province":
            assert region.parent is None and region.code.endswith("0000")
            continue
        parent = table[region.parent]
        assert regions.LEVELS.index(parent.level) == regions.LEVELS.index(region.level) - 1, region
        assert region.code.startswith(parent.code.rstrip("0")[:2 if parent.level == "province" else 4])


def test_taiwan_hong_kong_and_macau_are_province_rows():
    assert {regions.get(c).name for c in ("710000", "810000", "820000")} == {"台湾省", "香港特别行政区", "澳门特别行政区"}
    assert regions.children("81") == []


def test_all_regions_covers_all_of_china_to_county_level():
    provinces = regions.all_regions(level="province")
    assert len(provinces) == 34
    assert len(regions.all_regions(level="county")) > 2800


def test_rollup_follows_the_prefix_rules():
    assert regions.rollup("330110") == {"province": "330000", "city": "330100", "county": "330110"}
    assert regions.rollup("330100") == {"province": "330000", "city": "330100", "county": None}
    assert regions.rollup("330000") == {"province": "330000", "city": None, "county": None}
    assert regions.rollup("110101")["city"] == "110100"
    assert regions.rollup("429004")["city"] == "429000"


def test_chain_lists_ancestors_province_first():
    assert [r.name for r in regions.chain("330110")] == ["浙江省", "杭州市", "余杭区"]
