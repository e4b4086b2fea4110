"""New readings of a month already stored are written as one more part file (the month's stored
readings are not rewritten); a month is rewritten into one part when a stored reading is replaced
or when it holds ``MONTH_PARTS`` parts. Every version reads every reading exactly once."""

import duckdb

from fugong.index import ingest, store

from .conftest import write


def _month_parts(settings, month="2020-02"):
    return [p for p in store.snapshot(settings).files("daily", {month})]


def _readings(settings):
    files = [str(p) for p in store.snapshot(settings).files("daily")]
    return sorted(duckdb.sql(f"SELECT enterprise_id, CAST(date AS VARCHAR), kwh FROM read_parquet({files})").fetchall())


def test_a_new_day_is_added_beside_the_stored_parts(index_settings, tmp_path):
    ingest.ingest_readings(settings=index_settings, path=write(tmp_path, "a.csv", "enterprise_id,date,kwh\nA,2020-02-10,15\nB,2020-02-10,3\n"))
    first = _month_parts(index_settings)
    ingest.ingest_readings(settings=index_settings, path=write(tmp_path, "b.csv", "enterprise_id,date,kwh\nA,2020-02-11,16\nA,2020-02-10,15\n"))
    after = _month_parts(index_settings)
    assert set(first) < set(after)  # the stored parts are still listed, untouched
    assert _readings(index_settings) == [("A", "2020-02-10", 15.0), ("A", "2020-02-11", 16.0), ("B", "2020-02-10", 3.0)]


def test_a_replaced_reading_rewrites_its_month(index_settings, tmp_path):
    ingest.ingest_readings(settings=index_settings, path=write(tmp_path, "a.csv", "enterprise_id,date,kwh\nA,2020-02-10,15\nB,2020-02-10,3\n"))
    ingest.ingest_readings(settings=index_settings, path=write(tmp_path, "b.csv", "enterprise_id,date,kwh\nA,2020-02-11,16\n"))
    before = _month_parts(index_settings)
    summary = ingest.ingest_readings(settings=index_settings, path=write(tmp_path, "c.csv", "enterprise_id,date,kwh\nA,2020-02-10,20\nE,2020-02-12,4\n"),
                                     replace=True)
    after = _month_parts(index_settings)
    assert summary.replaced == 1 and not set(before) & set(after)
    assert _readings(index_settings) == [("A", "2020-02-10", 20.0), ("A", "2020-02-11", 16.0), ("B", "2020-02-10", 3.0),
                                         ("E", "2020-02-12", 4.0)]


def test_a_month_of_many_parts_is_compacted_and_loses_nothing(index_settings, tmp_path):
    expected = []
    for day in range(1, ingest.MONTH_PARTS + 3):
        date = f"2020-02-{day:02d}"
        ingest.ingest_readings(settings=index_settings, path=write(tmp_path, f"d{day}.csv", f"enterprise_id,date,kwh\nF,{date},{day}\n"))
        expected.append(("F", date, float(day)))
        assert len(_month_parts(index_settings)) <= ingest.MONTH_PARTS
        assert _readings(index_settings) == expected
    # Other months are left as they are.
    ingest.ingest_readings(settings=index_settings, path=write(tmp_path, "m.csv", "enterprise_id,date,kwh\nF,2020-03-01,1\n"))
    assert _readings(index_settings)[-1] == ("F", "2020-03-01", 1.0)
