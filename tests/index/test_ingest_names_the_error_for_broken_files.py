"""Broken meter files end with a named error or a rejected row, never a traceback or a bogus
partition: duplicate header, a directory, dates 'inf'/'Infinity'/'0001-01-01', timestamp 'inf';
full-width digits read as digits; a quoted header with a comma is read as CSV."""

import csv

import pytest

from fugong.index import store
from fugong.index.ingest import IngestError, ingest_readings

from .conftest import write


def _reasons(summary):
    with open(summary.rejects_path, encoding="utf-8") as fh:
        return {int(r["row"]): (r["field"], r["reason"]) for r in csv.DictReader(fh)}


def test_a_duplicate_header_is_a_named_error(index_settings, tmp_path):
    for header in ("enterprise_id,date,kwh,kwh", "meter_id,enterprise_id,date,kwh"):
        path = write(tmp_path, "dup.csv", f"{header}\nA,2020-02-10,1,2\n")
        with pytest.raises(IngestError, match="dup.csv: columns .* are the same column"):
            ingest_readings(settings=index_settings, path=path)


def test_a_directory_is_a_named_error(index_settings, tmp_path):
    folder = tmp_path / "meters.csv"
    folder.mkdir()
    with pytest.raises(IngestError, match="is a directory, not a file"):
        ingest_readings(settings=index_settings, path=folder)


def test_infinite_and_out_of_range_dates_are_rejected_rows(index_settings, tmp_path):
    text = "enterprise_id,date,kwh\nA,inf,1\nA,Infinity,1\nA,0001-01-01,1\nA,-infinity,1\nA,2020-02-10,1\n"
    summary = ingest_readings(settings=index_settings, path=write(tmp_path, "d.csv", text))
    assert summary.accepted == 1
    assert {row: field for row, (field, _reason) in _reasons(summary).items()} == {1: "date", 2: "date", 3: "date", 4: "date"}
    assert store.snapshot(index_settings).months("daily") == {"2020-02"}


def test_an_infinite_timestamp_is_a_rejected_row(index_settings, tmp_path):
    text = "enterprise_id,timestamp,kwh\nA,inf,1\nA,0001-01-01 00:00,1\nA,2020-02-10 00:00,1\n"
    summary = ingest_readings(settings=index_settings, path=write(tmp_path, "i.csv", text), kind="interval")
    assert {row: field for row, (field, _r) in _reasons(summary).items()} == {1: "timestamp", 2: "timestamp"}


def test_full_width_digits_and_a_quoted_header_are_read(index_settings, tmp_path):
    text = '"enterprise_id","date","kwh"\nA,２０２０-02-10,１５.５\n'
    summary = ingest_readings(settings=index_settings, path=write(tmp_path, "fw.csv", text))
    assert (summary.accepted, summary.rejected) == (1, 0)
    quoted = write(tmp_path, "q.csv", '"enterprise_id","date","kwh","note, with comma"\nB,2020-02-10,3,x\n')
    assert ingest_readings(settings=index_settings, path=quoted).accepted == 1
