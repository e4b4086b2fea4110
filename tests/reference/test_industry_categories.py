"""Configured industry categories: TOML format, longest-prefix matching, the Jiangsu 2020 set, errors."""

import pytest

from fugong.reference.industries import CategoryError, UnknownIndustry, available_category_sets, load_categories


def test_the_jiangsu_2020_set_is_shipped_with_its_ten_categories():
    jiangsu = load_categories("jiangsu-2020")
    assert "jiangsu-2020" in available_category_sets()
    assert jiangsu.name == "jiangsu-2020"
    assert {c.name_zh for c in jiangsu.categories} == {
        "冶金", "医药", "电子", "轻工", "石化", "机械", "光伏", "建材", "纺织", "船舶",
    }  # fmt: skip
    assert all(c.name_en for c in jiangsu.categories)


def test_the_default_set_is_jiangsu_2020():
    assert load_categories().name == "jiangsu-2020"


def test_the_jiangsu_set_is_documented_as_illustrative():
    assert "illustrative" in load_categories().note.lower()


@pytest.mark.parametrize(
    ("code", "category"),
    [("3110", "metallurgy"), ("32", "metallurgy"), ("2710", "pharmaceuticals"), ("3911", "electronics"),
     ("2511", "petrochemicals"), ("26", "petrochemicals"), ("1711", "textiles"), ("18", "textiles"),
     ("3011", "building_materials"), ("3311", "machinery"), ("34", "machinery"), ("3511", "machinery"),
     ("373", "shipbuilding"), ("3731", "shipbuilding"), ("3825", "photovoltaics"), ("1311", "light_industry"),
     ("15", "light_industry"), ("19", "light_industry"), ("2411", "light_industry"), ("C3731", "shipbuilding")],
)  # fmt: skip
def test_jiangsu_maps_industry_codes_onto_its_categories(code, category):
    assert load_categories().category_of(code) == category


@pytest.mark.parametrize("code", ["16", "3711", "37", "38", "3821", "36", "44", "5111", "C"])
def test_codes_outside_every_category_have_none(code):
    assert load_categories().category_of(code) is None


def test_category_of_rejects_a_code_that_is_not_an_industry():
    with pytest.raises(UnknownIndustry):
        load_categories().category_of("9911")


def _write(tmp_path, body: str):
    path = tmp_path / "mine.toml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """
name = "mine"
title_zh = "测试"
title_en = "Test"

[[category]]
code = "transport"
name_zh = "运输设备"
name_en = "Transport equipment"
prefixes = ["37"]

[[category]]
code = "ships"
name_zh = "船舶"
name_en = "Ships"
prefixes = ["373"]

[[category]]
code = "motor_ships"
name_zh = "金属船舶"
name_en = "Metal ships"
prefixes = ["3731"]
"""


def test_the_longest_matching_prefix_wins(tmp_path):
    mine = load_categories(_write(tmp_path, GOOD))
    assert mine.category_of("3711") == "transport"
    assert mine.category_of("3732") == "ships"
    assert mine.category_of("3731") == "motor_ships"
    assert mine.category_of("37") == "transport"


def test_a_set_loads_from_a_path_given_as_text(tmp_path):
    assert load_categories(str(_write(tmp_path, GOOD))).name == "mine"


def test_it_names_file_and_field_for_an_unknown_division(tmp_path):
    path = _write(tmp_path, GOOD.replace('["373"]', '["98"]'))
    with pytest.raises(CategoryError, match=r"mine\.toml.*'ships'.*prefixes.*98"):
        load_categories(path)


def test_it_rejects_the_same_prefix_in_two_categories(tmp_path):
    path = _write(tmp_path, GOOD.replace('["373"]', '["37"]'))
    with pytest.raises(CategoryError, match=r"mine\.toml.*'37' is also in category 'transport'"):
        load_categories(path)


def test_it_rejects_a_category_without_a_chinese_name(tmp_path):
    path = _write(tmp_path, GOOD.replace('name_zh = "船舶"\n', ""))
    with pytest.raises(CategoryError, match=r"mine\.toml.*'ships'.*name_zh"):
        load_categories(path)


def test_it_rejects_a_category_without_an_english_name(tmp_path):
    path = _write(tmp_path, GOOD.replace('name_en = "Ships"\n', 'name_en = ""\n'))
    with pytest.raises(CategoryError, match=r"mine\.toml.*'ships'.*name_en"):
        load_categories(path)


def test_it_rejects_prefixes_written_as_numbers(tmp_path):
    path = _write(tmp_path, GOOD.replace('["373"]', "[373]"))
    with pytest.raises(CategoryError, match="prefixes"):
        load_categories(path)


def test_it_rejects_a_set_without_a_name(tmp_path):
    path = _write(tmp_path, GOOD.replace('name = "mine"\n', ""))
    with pytest.raises(CategoryError, match=r"mine\.toml.*'name'"):
        load_categories(path)


def test_it_rejects_two_categories_with_one_code(tmp_path):
    path = _write(tmp_path, GOOD.replace('code = "ships"', 'code = "transport"'))
    with pytest.raises(CategoryError, match="'code'"):
        load_categories(path)


def test_it_reports_invalid_toml_with_the_file_name(tmp_path):
    path = _write(tmp_path, "name = \n")
    with pytest.raises(CategoryError, match=r"mine\.toml.*not valid TOML"):
        load_categories(path)


def test_it_reports_an_unknown_set_name():
    with pytest.raises(CategoryError, match="no-such-set"):
        load_categories("no-such-set")
