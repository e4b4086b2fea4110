"""`fugong uscc | industries | calendar` on the command line."""

import json

import pytest
from typer.testing import CliRunner

from fugong.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _settings(settings_env):
    yield


def run(*args):
    return runner.invoke(app, list(args), terminal_width=200)


def test_uscc_check_accepts_a_valid_code():
    result = run("uscc", "check", "91350100M000100Y43")
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_uscc_check_exits_1_and_names_the_failed_check():
    result = run("uscc", "check", "91350100M000100Y43", "91350100M000100Y4A")
    assert result.exit_code == 1
    assert "check_character" in result.output
    assert "expected check character '3', found 'A'" in result.output


def test_uscc_check_json_lists_each_code():
    result = run("uscc", "check", "--json", "91350100M000100Y43", "91350100m000100Y43")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [r["valid"] for r in data] == [True, False]
    assert data[1]["check"] == "alphabet"


def test_industries_list_sections_json_has_20_sections():
    result = run("industries", "list", "--sections", "--json")
    assert result.exit_code == 0, result.output
    assert [r["code"] for r in json.loads(result.stdout)] == list("ABCDEFGHIJKLMNOPQRST")


def test_industries_list_divisions_json_has_97_divisions():
    data = json.loads(run("industries", "list", "--divisions", "--json").stdout)
    assert len(data) == 97 and data[0]["code"] == "01" and data[-1]["code"] == "97"


def test_industries_list_shows_both_levels_by_default():
    result = run("industries", "list")
    assert result.exit_code == 0
    assert "制造业" in result.output and "医药制造业" in result.output


def test_industries_list_rejects_both_filters():
    assert run("industries", "list", "--sections", "--divisions").exit_code != 0


def test_industries_show_gives_section_division_and_category():
    result = run("industries", "show", "3731")
    assert result.exit_code == 0, result.output
    assert "制造业" in result.output
    assert "铁路、船舶、航空航天和其他运输设备制造业" in result.output
    assert "船舶" in result.output and "Shipbuilding" in result.output
    assert "(jiangsu-2020)" in result.output


def test_industries_show_json():
    data = json.loads(run("industries", "show", "C3825", "--json").stdout)
    assert data["section"]["code"] == "C"
    assert data["division"]["code"] == "38"
    assert data["category"]["code"] == "photovoltaics"


def test_industries_show_rejects_an_unknown_code():
    result = run("industries", "show", "9911")
    assert result.exit_code == 2
    assert "99" in result.output


def test_industries_categories_shows_the_jiangsu_set():
    result = run("industries", "categories", "jiangsu-2020")
    assert result.exit_code == 0, result.output
    for name in ("冶金", "医药", "电子", "轻工", "石化", "机械", "光伏", "建材", "纺织", "船舶"):
        assert name in result.output
    assert "3825" in result.output and "373" in result.output


def test_industries_categories_json():
    data = json.loads(run("industries", "categories", "--json").stdout)
    assert data["name"] == "jiangsu-2020" and len(data["categories"]) == 10


def test_industries_categories_reports_a_bad_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\n[[category]]\ncode = "x"\nname_zh = "甲"\nname_en = "X"\nprefixes = ["98"]\n')
    result = run("industries", "categories", str(path))
    assert result.exit_code == 2
    assert "bad.toml" in result.output and "prefixes" in result.output


def test_calendar_workdays_lists_holidays_and_counts_working_days():
    result = run("calendar", "workdays", "2020-02-01", "2020-02-29")
    assert result.exit_code == 0, result.output
    assert "春节 Spring Festival" in result.output
    assert "20 个工作日 working days of 29 days" in result.output


def test_calendar_workdays_marks_the_make_up_workday():
    result = run("calendar", "workdays", "2020-01-18", "2020-01-19")
    assert "调休上班 make-up workday" in result.output


def test_calendar_workdays_json():
    data = json.loads(run("calendar", "workdays", "2020-02-01", "2020-02-03", "--json").stdout)
    assert [(r["date"], r["workday"], r["holiday_zh"]) for r in data] == [
        ("2020-02-01", False, "春节"),
        ("2020-02-02", False, "春节"),
        ("2020-02-03", True, None),
    ]


def test_calendar_workdays_with_the_zhejiang_closure():
    result = run("calendar", "workdays", "2020-02-01", "2020-02-29", "--closure", "zhejiang-2020")
    assert "15 个工作日" in result.output and "延迟复工" in result.output


def test_calendar_workdays_rejects_a_bad_date_and_an_unknown_closure():
    assert run("calendar", "workdays", "2020-02-30", "2020-03-01").exit_code != 0
    assert run("calendar", "workdays", "2020-02-01", "2020-02-02", "--closure", "mars").exit_code != 0


def test_calendar_workdays_outside_the_data_exits_2_with_the_range():
    result = run("calendar", "workdays", "2003-01-01", "2003-01-02")
    assert result.exit_code == 2
    assert "2004" in result.output


def test_calendar_align_gives_the_lunar_and_working_day_alignment():
    result = run("calendar", "align", "2020-02-10", "--to-year", "2019")
    assert result.exit_code == 0, result.output
    assert "2019-02-21" in result.output  # lunar new year + 16 days
    assert "2019-02-18" in result.output  # 6th working day after the new year


def test_calendar_align_json():
    data = json.loads(run("calendar", "align", "2020-02-10", "--to-year", "2019", "--json").stdout)
    assert data["offset_days"] == 16
    assert data["aligned"] == "2019-02-21"


def test_calendar_same_period_pairs_days():
    data = json.loads(run("calendar", "same-period", "2020-02-03", "2020-02-03", "--json").stdout)
    assert data == [{"date": "2020-02-03", "workday": True, "last_year": "2019-02-11"}]
