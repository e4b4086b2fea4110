"""The SVG export carries the map, the legend with counts, the date, the rule set and the data source."""

from fugong.reference import maps
from fugong.risk.mapping import NO_DATA, publication_svg, value_colour

VIEW = {
    "rule_set": "zj-five-colour-2020", "title_zh": "浙江县域疫情风险五色图", "title_en": "Zhejiang five-colour map",
    "source": "He et al. 2021", "data_source": "synthetic county series", "date": "2020-02-19",
    "grades": [{"region_code": "330110", "name": "余杭区", "colour": "#f2d405"}],
    "counts": {"yellow": 1},
    "levels": [{"key": "yellow", "colour": "#f2d405", "zh": "中风险", "en": "medium risk"}],
}


def test_every_county_is_drawn_and_graded_ones_take_their_level_colour():
    svg = publication_svg(VIEW, maps.load("zj-counties-2020"))
    assert svg.count("<path ") == 90
    assert 'fill="#f2d405" data-adcode="330110"' in svg
    assert f'fill="{NO_DATA}" data-adcode="330106"' in svg


def test_the_image_names_legend_date_rule_set_and_source():
    svg = publication_svg(VIEW, maps.load("zj-counties-2020"))
    for text in ("中风险 (1)", "2020-02-19", "zj-five-colour-2020", "He et al. 2021", "synthetic county series", "无数据"):
        assert text in svg
    english = publication_svg(VIEW, maps.load("zj-counties-2020"), lang="en")
    assert "medium risk (1)" in english and "Zhejiang five-colour map" in english


def test_index_values_get_a_sequential_colour():
    assert value_colour(None) == NO_DATA
    assert value_colour(0) == "#deebf7" and value_colour(100) == "#08306b"
    assert value_colour(50) not in ("#deebf7", "#08306b")
