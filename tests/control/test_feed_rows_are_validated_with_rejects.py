"""A feed row with a bad field is rejected with file, row, field and reason; the good rows of the
same file still count, and the rejects file keeps every bad row."""

import csv

import pytest

from fugong.control.feeds import FeedError, read_feed, write_rejects
from fugong.control.model import load_model

HEADER = "region_code,date,indicator,value,flag,note\n"


def _feed(tmp_path, body: str, name="feed.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_each_bad_field_is_named_with_its_row(tmp_path):
    path = _feed(tmp_path, "\n".join([
        "330110,2020-02-18,public_transport_open_share,0.62,,62 of 100 lines",  # row 2: good
        "999999,2020-02-18,public_transport_open_share,0.5,,",                    # 3: unknown region
        "330110,2020-02-31,public_transport_open_share,0.5,,",                    # 4: no such day
        "330110,2020-02-19,public_transport_open_share,lots,,",                   # 5: not a number
        "330110,2020-02-19,bus lines,0.5,,",                                      # 6: not a code
        "330110,2020-02-19,checkpoints_lifted_share,0.5,2,",                      # 7: flag not 0/1
        "330110,2020-02-18,public_transport_open_share,0.7,,",                    # 8: duplicate of 2
        "330110,2020-02-19,logistics_volume_ratio,inf,,",                         # 9: not finite
    ]) + "\n")
    read = read_feed(path)
    assert [r.row for r in read.rows] == [2]
    got = {(r.row, r.field) for r in read.rejects}
    assert got == {(3, "region_code"), (4, "date"), (5, "value"), (6, "indicator"), (7, "flag"), (8, "indicator"),
                   (9, "value")}
    duplicate = next(r for r in read.rejects if r.row == 8)
    assert "duplicate of row 2" in duplicate.reason
    assert read.rows[0].note == "62 of 100 lines"


def test_a_model_checks_ordinal_values_and_flags(tmp_path):
    path = _feed(tmp_path, "GBR,2020-03-23,C1,3,1,\nGBR,2020-03-23,C2,4,1,\nGBR,2020-03-23,C8,3,1,\n"
                           "GBR,2020-03-23,C3,1.5,,\nGBR,2020-03-23,E3,100,,\n")
    read = read_feed(path, model=load_model("oxcgrt-v3.6"))
    assert [r.observation.indicator for r in read.rows] == ["C1"]
    reasons = {(r.row, r.field): r.reason for r in read.rejects}
    assert "whole number 0–3" in reasons[(3, "value")]
    assert "C8 has no flag" in reasons[(4, "flag")]
    assert "whole number 0–2" in reasons[(5, "value")]
    assert "not an indicator of model oxcgrt-v3.6" in reasons[(6, "indicator")]


def test_oxcgrt_dates_and_region_codes_are_read_when_the_model_allows_them(tmp_path):
    path = _feed(tmp_path, "UK_ENG,20200323,C1,3,1,\n")
    read = read_feed(path, model=load_model("oxcgrt-v3.6"))
    assert read.rejects == [] and read.rows[0].observation.date.isoformat() == "2020-03-23"
    gb = read_feed(path, model=load_model("oxcgrt-v3.6"), gb2260=True)
    assert [r.field for r in gb.rejects] == ["region_code"]


def test_parquet_feeds_are_read_too(tmp_path):
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "feed.parquet"
    pq.write_table(pa.table({"region_code": ["330110", "330110"], "date": [dt.date(2020, 2, 18), dt.date(2020, 2, 19)],
                             "indicator": ["migrant_inflow_ratio"] * 2, "value": [0.41, None]}), path)
    read = read_feed(path)
    assert len(read.rows) == 1 and str(read.rows[0].observation.value) == "41/100"
    assert [(r.row, r.field, r.reason) for r in read.rejects] == [(3, "value", "required")]


def test_a_missing_column_stops_the_read_naming_the_file(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("region_code,date,value\n330110,2020-02-18,1\n", encoding="utf-8")
    with pytest.raises(FeedError, match=r"short\.csv: missing column\(s\) indicator"):
        read_feed(path)


def test_the_rejects_file_lists_file_row_field_value_and_reason(tmp_path):
    path = _feed(tmp_path, "330110,2020-02-18,coach_services_resumed_share,=1+1,,\n")
    read = read_feed(path)
    target = write_rejects(read.rejects, tmp_path / "out" / "feed.rejects.csv")
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert rows == [{"file": str(path), "row": "2", "field": "value", "value": "'=1+1", "reason": "not a number"}]
