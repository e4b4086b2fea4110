"""Every rejection reason of the daily ingest, with file, 1-based data row, field and value."""

import csv

from fugong.index.ingest import ingest_readings

from .conftest import write

BAD = """enterprise_id,date,kwh
A,2020-02-10,15
,2020-02-10,1
X,2020-02-10,3
F,2020-02-31,3
F,2020-02-12,-3
F,2020-02-13,abc
F,2020-02-14,
B,2020-02-11,100
B,2020-02-11,101
E,2020-02-11,12
E,2020-02-11,12
"""


def _rejects(summary):
    with open(summary.rejects_path, encoding="utf-8") as fh:
        return {int(r["row"]): r for r in csv.DictReader(fh)}


def test_it_rejects_each_bad_row_with_its_reason_and_counts_exact_duplicates(index_settings, tmp_path):
    summary = ingest_readings(settings=index_settings, path=write(tmp_path, "bad.csv", BAD))
    rejects = _rejects(summary)
    assert (summary.rows, summary.accepted, summary.rejected, summary.duplicate) == (11, 2, 8, 1)
    assert rejects[2]["field"] == "enterprise_id" and "missing enterprise_id" in rejects[2]["reason"]
    assert rejects[3]["value"] == "X" and "unknown enterprise" in rejects[3]["reason"]
    assert rejects[4]["field"] == "date" and rejects[4]["value"] == "2020-02-31" and "bad date" in rejects[4]["reason"]
    assert rejects[5]["value"] == "-3" and "negative kWh" in rejects[5]["reason"]
    assert rejects[6]["value"] == "abc" and "non-numeric kWh" in rejects[6]["reason"]
    assert "missing kWh" in rejects[7]["reason"]
    # both rows of a conflict in one file are rejected
    assert "conflicting duplicate" in rejects[8]["reason"] and "conflicting duplicate" in rejects[9]["reason"]
    assert set(rejects) == {2, 3, 4, 5, 6, 7, 8, 9}
    assert all(r["file"].endswith("bad.csv") for r in rejects.values())


def test_it_rejects_a_value_that_differs_from_the_stored_one_unless_replace(index_settings, tmp_path):
    ingest_readings(settings=index_settings, path=write(tmp_path, "one.csv", "enterprise_id,date,kwh\nA,2020-02-10,15\n"))
    summary = ingest_readings(settings=index_settings, path=write(tmp_path, "two.csv", "enterprise_id,date,kwh\nA,2020-02-10,16\n"))
    assert (summary.accepted, summary.rejected) == (0, 1)
    assert "differs from stored value 15" in _rejects(summary)[1]["reason"]


def test_it_rejects_enterprises_with_unknown_region_or_industry_codes(settings_env, tmp_path):
    from fugong.config import get_settings
    from fugong.index.ingest import ingest_enterprises

    path = write(tmp_path, "e.csv", "enterprise_id,region_code,industry_code\nA,330102,3731\nB,999999,3731\nC,330102,XX\nD,330102,3731\nD,330106,3731\n")
    summary = ingest_enterprises(settings=get_settings(), path=path)
    rejects = _rejects(summary)
    assert (summary.accepted, summary.rejected) == (1, 4)
    assert rejects[2]["field"] == "region_code" and "unknown region code" in rejects[2]["reason"]
    assert rejects[3]["field"] == "industry_code" and "unknown industry code" in rejects[3]["reason"]
    assert "conflicting duplicate" in rejects[4]["reason"] and "conflicting duplicate" in rejects[5]["reason"]
