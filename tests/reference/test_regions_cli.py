"""`fugong regions show | children | search | map-code`."""

import json

from typer.testing import CliRunner

from fugong.cli import app

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, ["regions", *args], terminal_width=200)


def test_show_prints_name_level_chain_and_population(settings_env):
    result = _run("show", "330110")
    assert result.exit_code == 0, result.output
    assert "余杭区" in result.output and "county" in result.output
    assert "浙江省 330000 › 杭州市 330100 › 余杭区 330110" in result.output
    assert "918,155" in result.output  # Hangzhou's census total / 13 (demo figures)


def test_show_as_json_with_a_vintage(settings_env):
    result = _run("show", "330104", "--vintage", "2020", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["name"], data["vintage"], data["parent"]) == ("江干区", "2020", "330100")
    assert [c["code"] for c in data["chain"]] == ["330000", "330100", "330104"]


def test_show_of_an_unknown_code_fails_with_a_clear_message(settings_env):
    result = _run("show", "330104")
    assert result.exit_code == 1
    assert "330104" in result.output and "2021" in result.output


def test_children_lists_hangzhou_districts(settings_env):
    result = _run("children", "3301", "--json")
    assert result.exit_code == 0, result.output
    names = {r["name"] for r in json.loads(result.output)}
    assert {"临平区", "钱塘区", "余杭区"} <= names and len(names) == 13


def test_children_with_a_level_and_vintage(settings_env):
    result = _run("children", "33", "--level", "city", "--vintage", "2020")
    assert result.exit_code == 0, result.output
    assert "杭州市" in result.output and "丽水市" in result.output and "余杭区" not in result.output


def test_children_with_a_bad_level_fails(settings_env):
    result = _run("children", "33", "--level", "town")
    assert result.exit_code == 1
    assert "province, city, county" in result.output


def test_search_finds_yuhang(settings_env):
    result = _run("search", "余杭", "--json")
    assert result.exit_code == 0, result.output
    assert [r["code"] for r in json.loads(result.output)] == ["330110"]


def test_map_code_gives_the_successors_of_jianggan(settings_env):
    result = _run("map-code", "330104", "--from", "2020", "--to", "2021")
    assert result.exit_code == 0, result.output
    assert "上城区 330102" in result.output and "钱塘区 330114" in result.output


def test_map_code_as_json(settings_env):
    result = _run("map-code", "330113", "--from", "2021", "--to", "2020", "--json")
    assert result.exit_code == 0, result.output
    assert [r["code"] for r in json.loads(result.output)["to"]] == ["330110"]
