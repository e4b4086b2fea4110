"""fugong risk grade / changes / map / ingest work from a case file and name bad input precisely."""

import csv
import json

from typer.testing import CliRunner

from fugong.risk.cli import app

runner = CliRunner()
CASES = ("region_code,date,cumulative_confirmed,name\n"
         "330110,2020-02-01,1,余杭区\n330110,2020-02-02,3,余杭区\n330110,2020-02-03,2,余杭区\n")


def test_grade_writes_one_row_per_region_and_day_with_reasons(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text(CASES, encoding="utf-8")
    out, repairs = tmp_path / "grades.csv", tmp_path / "repairs.csv"
    result = runner.invoke(app, ["grade", "--cases", str(cases), "--rules", "cn-national-2020", "--date", "2020-02-03",
                                 "--level", "county", "--out", str(out), "--repairs", str(repairs)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["region_code"], r["date"], r["level"], r["colour"]) for r in rows] == [
        ("330110", "2020-02-03", "medium", "#f2b705")]
    assert "14 天内新增确诊 3 例" in rows[0]["reasons"]
    assert list(csv.DictReader(repairs.open(encoding="utf-8")))[0]["reported"] == "2.0"


def test_grade_writes_json_too(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text(CASES, encoding="utf-8")
    out = tmp_path / "grades.json"
    result = runner.invoke(app, ["grade", "--cases", str(cases), "--rules", "harvard-2020", "--from", "2020-02-02",
                                 "--to", "2020-02-03", "--out", str(out)])
    assert result.exit_code == 0, result.output
    records = json.loads(out.read_text(encoding="utf-8"))
    assert {r["date"] for r in records} == {"2020-02-02", "2020-02-03"}
    assert all(isinstance(r["reasons_zh"], list) for r in records)


def test_a_bad_case_file_names_file_row_and_field(tmp_path):
    cases = tmp_path / "bad.csv"
    cases.write_text("region_code,date,new_confirmed\n330110,2020-02-01,x\n", encoding="utf-8")
    result = runner.invoke(app, ["grade", "--cases", str(cases), "--rules", "cn-national-2020"])
    assert result.exit_code == 2  # no valid row left: refused, the row named and kept in a rejects file
    assert "bad.csv:2: new_confirmed: 'x' is not a whole number" in result.output.replace("\n", "")
    assert "rejects:" in result.output


def test_a_bad_rule_name_lists_the_presets(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text(CASES, encoding="utf-8")
    result = runner.invoke(app, ["grade", "--cases", str(cases), "--rules", "nope"])
    assert result.exit_code == 2 and "zj-five-colour-2020" in result.output


def test_map_exports_an_svg_from_a_case_file(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text(CASES, encoding="utf-8")
    out = tmp_path / "map.svg"
    result = runner.invoke(app, ["map", "--cases", str(cases), "--date", "2020-02-03", "--rules", "cn-national-2020",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    svg = out.read_text(encoding="utf-8")
    assert 'fill="#f2b705" data-adcode="330110"' in svg
    assert "2020-02-03" in svg and "cn-national-2020" in svg and "cases.csv" in svg
