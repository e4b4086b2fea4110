"""`fugong index compute --enterprises FILE` validates the file as `fugong index ingest enterprises`
does: a missing column is a named error (exit 1), not a KeyError traceback; a row with a bad region
code is rejected into a rejects file beside --rejects, and the rest is computed."""

import csv

from typer.testing import CliRunner

from fugong.index.cli import app

from .conftest import write

DAILY = "enterprise_id,date,kwh\nA,2019-12-02,100\nA,2020-02-10,30\nB,2019-12-02,200\nB,2020-02-10,10\n"


def _compute(tmp_path, enterprises_text: str):
    meters = write(tmp_path, "d.csv", DAILY)
    ents = write(tmp_path, "ents.csv", enterprises_text)
    return CliRunner().invoke(app, [
        "compute", "--meters", str(meters), "--enterprises", str(ents), "--baseline", "2019-12-01:2019-12-31",
        "--period", "2020-02-10:2020-02-10", "--by", "county", "--out", str(tmp_path / "out.csv"),
        "--rejects", str(tmp_path / "rejects.csv")])


def test_an_enterprises_file_without_region_codes_is_a_named_error(tmp_path, settings_env):
    result = _compute(tmp_path, "enterprise_id,industry_code\nA,3731\n")
    assert result.exit_code == 1, result.output
    assert "ents.csv: missing column(s) region_code" in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_a_row_with_a_bad_region_code_is_rejected_by_row_and_the_rest_computed(tmp_path, settings_env):
    result = _compute(tmp_path, "enterprise_id,region_code,industry_code\nA,330102,3731\nB,33010X,3731\n")
    assert result.exit_code == 0, result.output
    with open(tmp_path / "ents.enterprises.rejects.csv", encoding="utf-8") as fh:
        rejects = list(csv.DictReader(fh))
    assert [(r["row"], r["field"], r["value"]) for r in rejects] == [("2", "region_code", "33010X")]
    rows = list(csv.DictReader(open(tmp_path / "out.csv", encoding="utf-8")))
    assert [(r["code"], r["enterprises"]) for r in rows] == [("330102", "1")]
