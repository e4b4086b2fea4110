"""`fugong index run --date D` reads the baselines the last run saved (results/index/baselines.parquet)
instead of the baseline months' readings — but only while those readings and the baseline parameters
are the ones the saved baselines came from."""

import dataclasses
import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

from fugong.index.compute import IndexParams, Window
from fugong.index.ingest import ingest_readings
from fugong.index.oneday import plan_path
from fugong.index.service import baselines_path, compute_all, read_results

from .conftest import write

PARAMS = IndexParams(baseline=Window(dt.date(2019, 12, 2), dt.date(2019, 12, 3)))
PERIOD = Window(dt.date(2020, 2, 10), dt.date(2020, 2, 11))
BASE = "enterprise_id,date,kwh\nA,2019-12-02,100\nB,2019-12-02,200\nA,2019-12-03,100\nB,2019-12-03,200\n"


def _day(settings, day):
    rows = read_results(settings=settings, level="county", date=day).to_pylist()
    return [(r["code"], r["reporting"], r["resumed"], round(r["baseline_kwh"], 6)) for r in rows]


def _run_day(settings, tmp_path, name, text, params=PARAMS):
    summary = ingest_readings(settings=settings, path=write(tmp_path, name, text))
    compute_all(settings=settings, period=PERIOD, params=params, only_dates=set(summary.changed_dates))


def test_a_new_day_is_computed_from_the_saved_baselines(index_settings, tmp_path):
    ingest_readings(settings=index_settings, path=write(tmp_path, "base.csv", BASE + "A,2020-02-10,40\nB,2020-02-10,10\n"))
    compute_all(settings=index_settings, period=PERIOD, params=PARAMS)
    saved = pq.read_table(baselines_path(index_settings))
    assert sorted(zip(saved["enterprise_id"].to_pylist(), saved["baseline"].to_pylist())) == [("A", 100.0), ("B", 200.0)]
    # Change the saved values (the key kept): the next day's run must show them, so it read them.
    values = pa.array([1000.0 if e == "B" else 100.0 for e in saved["enterprise_id"].to_pylist()], pa.float64())
    pq.write_table(saved.set_column(saved.schema.get_field_index("baseline"), "baseline", values), baselines_path(index_settings))
    plan_path(index_settings).unlink()  # the saved one-day plan holds its own copy (test_a_run_for_new_days_runs_the_saved_plan.py)

    _run_day(index_settings, tmp_path, "day.csv", "enterprise_id,date,kwh\nA,2020-02-11,40\nB,2020-02-11,250\n")
    # B: 250 < 0.3 · 1000 (the saved value), though 250 ≥ 0.3 · 200 (its readings)
    assert _day(index_settings, dt.date(2020, 2, 11)) == [("330102", 2, 1, 1100.0)]


def test_a_change_in_the_baseline_months_or_parameters_computes_them_again(index_settings, tmp_path):
    ingest_readings(settings=index_settings, path=write(tmp_path, "base.csv", BASE + "A,2020-02-10,40\nB,2020-02-10,10\n"))
    compute_all(settings=index_settings, period=PERIOD, params=PARAMS)
    wider = dataclasses.replace(PARAMS, baseline=Window(dt.date(2019, 12, 2), dt.date(2019, 12, 4)))

    # A wider window with a late reading in it: B's baseline is (200 + 200 + 20) / 3 = 140.
    _run_day(index_settings, tmp_path, "late.csv", "enterprise_id,date,kwh\nB,2019-12-04,20\nA,2020-02-11,40\nB,2020-02-11,50\n",
             params=wider)
    assert _day(index_settings, dt.date(2020, 2, 11)) == [("330102", 2, 2, 240.0)]  # 50 ≥ 0.3 · 140

    # The same parameters, the baseline month's file replaced by a correction: (200 + 200 + 1000) / 3.
    ingest_readings(settings=index_settings, path=write(tmp_path, "fix.csv", "enterprise_id,date,kwh\nB,2019-12-04,1000\n"),
                    replace=True)
    compute_all(settings=index_settings, period=PERIOD, params=wider, only_dates={dt.date(2020, 2, 11)})
    assert _day(index_settings, dt.date(2020, 2, 11)) == [("330102", 2, 1, round(100 + 1400 / 3, 6))]  # 50 < 0.3 · 466.7

    # The same files, another method: the median of B's (200, 200, 1000) is 200.
    compute_all(settings=index_settings, period=PERIOD, params=dataclasses.replace(wider, baseline_method="median"),
                only_dates={dt.date(2020, 2, 11)})
    assert _day(index_settings, dt.date(2020, 2, 11)) == [("330102", 2, 1, 300.0)]
