"""`fugong index compute` (stateless): the issue's command line, exact columns, empty shares."""

import csv
import json

from typer.testing import CliRunner

from fugong.index.cli import app

from .conftest import ENTERPRISES_CSV, write

DAILY = """enterprise_id,date,kwh
A,2019-12-02,100
B,2019-12-02,200
A,2020-02-10,30
B,2020-02-10,10
F,2019-12-02,10
"""
COLUMNS = "date,level,code,name,enterprises,reporting,resumed,baseline_kwh,resumed_kwh,total_kwh,resumed_share,energy_ratio,index"


def _run(tmp_path, *extra, out="out.csv"):
    meters = write(tmp_path, "d.csv", DAILY)
    ents = write(tmp_path, "e.csv", ENTERPRISES_CSV)
    args = ["compute", "--meters", str(meters), "--enterprises", str(ents), "--baseline", "2019-12-01:2019-12-31",
            "--period", "2020-02-10:2020-02-10", "--out", str(tmp_path / out), *extra]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return tmp_path / out


def test_it_writes_the_exact_columns_with_empty_shares_where_nobody_reports(tmp_path, settings_env):
    path = _run(tmp_path, "--by", "county")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].replace('"', "") == COLUMNS
    rows = {r["code"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}
    assert rows["330102"]["resumed_share"] == "50" and rows["330102"]["name"] == "上城区"
    assert float(rows["330102"]["index"]) == 50 * 0.5 + 0.5 * (30 / 300 * 100)
    assert rows["330302"]["reporting"] == "0" and rows["330302"]["resumed_share"] == "" and rows["330302"]["index"] == ""


def test_it_writes_json_and_computes_a_supply_chain_group(tmp_path, settings_env):
    groups = write(tmp_path, "g.csv", "group_id,enterprise_id\nchain,A\nchain,F\n")
    path = _run(tmp_path, "--by", "group", "--groups", str(groups), out="g.json")
    rows = json.loads(path.read_text(encoding="utf-8"))
    assert [(r["code"], r["enterprises"], r["reporting"], r["resumed"]) for r in rows] == [("chain", 2, 1, 1)]


def test_it_names_the_accepted_values_of_a_bad_by(tmp_path, settings_env):
    result = CliRunner().invoke(app, ["compute", "--meters", "x.csv", "--enterprises", "e.csv", "--period", "2020-02-10:2020-02-10",
                                      "--by", "planet", "--out", str(tmp_path / "o.csv")])
    assert result.exit_code != 0 and "province" in result.output
