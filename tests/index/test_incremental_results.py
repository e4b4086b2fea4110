"""Results are stored per level and date; adding a day recomputes and rewrites only that day."""

import datetime as dt

import pytest

from fugong.index.compute import IndexParams, Window
from fugong.index.ingest import ingest_readings
from fugong.index.service import compute_all, read_results, results_dir

from .conftest import write

PARAMS = IndexParams(baseline=Window(dt.date(2019, 12, 2), dt.date(2019, 12, 3)))


def test_adding_one_day_rewrites_only_that_days_results(index_settings, tmp_path):
    first = "enterprise_id,date,kwh\nA,2019-12-02,100\nB,2019-12-02,200\nA,2020-02-10,40\nB,2020-02-10,10\n"
    ingest_readings(settings=index_settings, path=write(tmp_path, "a.csv", first))
    compute_all(settings=index_settings, period=Window(dt.date(2020, 2, 10), dt.date(2020, 2, 10)), params=PARAMS)
    day1 = results_dir(index_settings) / "level=county" / "date=2020-02-10" / "part-0.parquet"
    before = (day1.stat().st_mtime_ns, day1.read_bytes())

    summary = ingest_readings(settings=index_settings, path=write(tmp_path, "b.csv", "enterprise_id,date,kwh\nA,2020-02-11,10\nB,2020-02-11,60\n"))
    assert summary.changed_dates == [dt.date(2020, 2, 11)]
    compute_all(settings=index_settings, period=Window(dt.date(2020, 2, 10), dt.date(2020, 2, 11)), params=PARAMS,
                only_dates=set(summary.changed_dates))

    assert (day1.stat().st_mtime_ns, day1.read_bytes()) == before
    rows = read_results(settings=index_settings, level="county", date=dt.date(2020, 2, 11)).to_pylist()
    assert [(r["code"], r["reporting"], r["resumed"]) for r in rows] == [("330102", 2, 1)]  # B: 60 ≥ 0.3·200
    assert rows[0]["energy_ratio"] == pytest.approx(60 / 300 * 100)
    both = read_results(settings=index_settings, level="city", code_prefix="3301")
    assert sorted({r["date"] for r in both.to_pylist()}) == [dt.date(2020, 2, 10), dt.date(2020, 2, 11)]
