"""fugong control compute / models / feeds load / run / show: the columns the issue names, a
rejects file beside the output, named errors for a bad model or file."""

import csv
import json

from typer.testing import CliRunner

from fugong.cli import app

runner = CliRunner()
WORKED = ("region_code,date,indicator,value,flag\n"
          "XYZ,2021-05-05,C1,2,1\nXYZ,2021-05-05,C3,2,0\nXYZ,2021-05-05,C4,2,0\nXYZ,2021-05-05,C5,0,\n"
          "XYZ,2021-05-05,C6,1,0\nXYZ,2021-05-05,C7,1,1\nXYZ,2021-05-05,C8,3,\nXYZ,2021-05-05,E1,2,0\n"
          "XYZ,2021-05-05,E2,2,\nXYZ,2021-05-05,H1,2,0\nXYZ,2021-05-05,H2,3,\nXYZ,2021-05-05,H3,2,\n"
          "XYZ,2021-05-05,H6,2,0\nXYZ,2021-05-05,H7,2,1\nXYZ,2021-05-05,H8,2,1\n")


def test_compute_writes_one_row_per_region_date_and_index(tmp_path):
    source = tmp_path / "worked.csv"
    source.write_text(WORKED, encoding="utf-8")
    out = tmp_path / "indices.csv"
    result = runner.invoke(app, ["control", "compute", "--model", "oxcgrt-v3.6", "--indicators", str(source),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["region_code", "date", "index", "value", "present", "required"]
        rows = {r["index"]: r for r in reader}
    assert {k: r["value"] for k, r in rows.items()} == {"stringency": "43.98", "containment_health": "52.86",
                                                        "economic_support": "87.50", "government_response": "57.19"}
    assert rows["government_response"]["present"] == "15" and rows["government_response"]["required"] == "15"


def test_compute_with_display_adds_the_carried_series_and_empty_means_null(tmp_path):
    source = tmp_path / "two-days.csv"
    source.write_text("region_code,date,indicator,value,flag\nXYZ,2021-05-05,E1,2,1\nXYZ,2021-05-05,E2,2,\n"
                      "XYZ,2021-05-06,E1,1,1\n", encoding="utf-8")
    out = tmp_path / "indices.csv"
    result = runner.invoke(app, ["control", "compute", "--model", "oxcgrt-v3.6", "--indicators", str(source),
                                 "--out", str(out), "--display"])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames[-2:] == ["display", "carried_forward"]
        es = [r for r in reader if r["index"] == "economic_support"]
    assert [(r["date"], r["value"], r["display"], r["carried_forward"]) for r in es] == [
        ("2021-05-05", "100.00", "100.00", ""), ("2021-05-06", "", "100.00", "2021-05-05")]


def test_compute_puts_bad_rows_in_a_rejects_file_beside_the_output(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("region_code,date,indicator,value,flag\nXYZ,2021-05-05,C1,7,1\nXYZ,2021-05-05,C2,1,1\n",
                      encoding="utf-8")
    out = tmp_path / "indices.json"
    result = runner.invoke(app, ["control", "compute", "--model", "oxcgrt-v3.6", "--indicators", str(source),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    rejects = list(csv.DictReader((tmp_path / "indices.rejects.csv").open(encoding="utf-8")))
    assert [(r["row"], r["field"]) for r in rejects] == [("2", "value")]
    records = json.loads(out.read_text(encoding="utf-8"))
    assert {r["index"] for r in records} == {"stringency", "containment_health", "economic_support",
                                             "government_response"}
    assert all(r["value"] is None for r in records)  # one indicator of nine is far below k − 1


def test_gb2260_models_refuse_other_region_codes(tmp_path):
    source = tmp_path / "feed.csv"
    source.write_text("region_code,date,indicator,value\nGBR,2020-02-18,public_transport_open_share,0.5\n"
                      "330110,2020-02-18,public_transport_open_share,0.5\n", encoding="utf-8")
    out = tmp_path / "zj.csv"
    result = runner.invoke(app, ["control", "compute", "--model", "zj-precision-control-2020", "--indicators",
                                 str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rejects = list(csv.DictReader((tmp_path / "zj.rejects.csv").open(encoding="utf-8")))
    assert [(r["row"], r["field"], r["reason"]) for r in rejects] == [
        ("2", "region_code", "'GBR' is not a GB/T 2260 region code")]


def test_a_bad_model_file_stops_with_its_key_and_reason(tmp_path):
    model = tmp_path / "mine.toml"
    model.write_text('name = "m"\ntitle_zh = "m"\ntitle_en = "m"\nsource = "s"\n'
                     '[[indicators]]\ncode = "a"\nkind = "ordinal"\nmax = -1\nzh = "a"\nen = "a"\n', encoding="utf-8")
    result = runner.invoke(app, ["control", "compute", "--model", str(model), "--indicators", "x.csv",
                                 "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert f"{model}: indicators[0].max: -1 is not a whole number ≥ 1" in result.output


def test_feeds_load_run_and_show_through_the_store(tmp_path, settings_env):
    feed = tmp_path / "transport.csv"
    feed.write_text("region_code,date,indicator,value\n" + "".join(
        f"330110,2020-02-{d},{i},0.{d}\n" for d in range(14, 21)
        for i in ("public_transport_open_share", "checkpoints_lifted_share", "coach_services_resumed_share",
                  "logistics_volume_ratio", "migrant_inflow_ratio", "resumption_index")) +
        "330110,2020-02-20,nope nope,1\n", encoding="utf-8")
    loaded = runner.invoke(app, ["control", "feeds", "load", str(feed)])
    assert loaded.exit_code == 0, loaded.output
    assert "42 new" in loaded.output and "1 rejected" in loaded.output
    again = runner.invoke(app, ["control", "feeds", "load", str(feed)])
    assert "0 new" in again.output and "42 unchanged" in again.output
    ran = runner.invoke(app, ["control", "run", "--model", "zj-precision-control-2020", "--date", "2020-02-20",
                              "--days", "7"])
    assert ran.exit_code == 0, ran.output
    shown = runner.invoke(app, ["control", "show", "--date", "2020-02-20", "--prefix", "3301"])
    assert shown.exit_code == 0, shown.output
    assert "330110" in shown.output and "flow" in shown.output and "(6/6)" in shown.output
