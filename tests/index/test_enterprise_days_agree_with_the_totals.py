"""The per-enterprise daily facts written by `fugong index run` are exactly the rows the county
totals count, with the same (non-default) parameters: reporting, resumed and resumed kWh add up."""

import datetime as dt

import pyarrow.parquet as pq
import pytest

from fugong.index.compute import IndexParams, Window
from fugong.index.ingest import ingest_readings
from fugong.index.service import compute_all, enterprise_days_dir, read_results

from .conftest import write
from .day_results import store_february

PERIOD = Window(dt.date(2020, 2, 3), dt.date(2020, 2, 14))


def _store(settings, tmp_path):
    store_february(settings, tmp_path, last_day=14)


@pytest.mark.parametrize("params", [
    IndexParams(baseline=Window(dt.date(2019, 12, 1), dt.date(2019, 12, 30))),
    IndexParams(baseline=Window(dt.date(2019, 12, 1), dt.date(2019, 12, 30)), theta=0.45, baseload=True,
                baseload_window=Window(dt.date(2019, 12, 20), dt.date(2019, 12, 30)), closures=("zhejiang-2020",),
                baseline_method="median", min_baseline_kwh=105.0),
    # a working-day calendar read from an in-memory table inside the query the engine writes from
    IndexParams(baseline=Window(dt.date(2019, 12, 1), dt.date(2019, 12, 30)), baseline_method="workday-mean",
                closures=("zhejiang-2020",)),
], ids=["defaults", "every-option", "workday-mean"])
def test_enterprise_days_add_up_to_the_county_rows(index_settings, tmp_path, params):
    _store(index_settings, tmp_path)
    compute_all(settings=index_settings, period=PERIOD, params=params, enterprises_too=True)
    days = [d for f in sorted(enterprise_days_dir(index_settings).glob("date=*/part-0.parquet")) for d in pq.read_table(f).to_pylist()]
    counties = read_results(settings=index_settings, level="county").to_pylist()
    assert counties and days
    for row in counties:
        mine = [d for d in days if d["county"] == row["code"] and d["date"] == row["date"]]
        assert len(mine) == row["reporting"]
        assert sum(d["resumed"] for d in mine) == row["resumed"]
        assert sum(d["kwh"] for d in mine if d["resumed"]) == pytest.approx(row["resumed_kwh"])
        for d in mine:
            assert bool(d["resumed"]) == (d["kwh"] >= d["threshold"] - 1e-9)


def test_one_new_day_rewrites_that_days_enterprise_facts_only(index_settings, tmp_path):
    _store(index_settings, tmp_path)
    params = IndexParams(baseline=Window(dt.date(2019, 12, 1), dt.date(2019, 12, 30)))
    compute_all(settings=index_settings, period=PERIOD, params=params)
    other = enterprise_days_dir(index_settings) / "date=2020-02-05" / "part-0.parquet"
    stamp = other.stat().st_mtime_ns
    ingest_readings(settings=index_settings, path=write(tmp_path, "late.csv", "enterprise_id,date,kwh\nA,2020-02-15,500\n"))
    compute_all(settings=index_settings, period=Window(PERIOD.start, dt.date(2020, 2, 15)), params=params,
                only_dates={dt.date(2020, 2, 15)})
    new = pq.read_table(enterprise_days_dir(index_settings) / "date=2020-02-15" / "part-0.parquet").to_pylist()
    assert [(d["enterprise_id"], d["kwh"]) for d in new] == [("A", 500.0)]
    assert other.stat().st_mtime_ns == stamp
