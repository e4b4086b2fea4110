"""The median, working-day mean and lunar baselines, on examples computed by hand.

Enterprise A, December 2019: Mon 2 → 10 kWh, Tue 3 → 20, Sat 7 → 100, Sun 8 → 200.
    mean          (10 + 20 + 100 + 200) / 4 = 82.5
    median        (20 + 100) / 2 = 60
    workday-mean  Mon and Tue only: (10 + 20) / 2 = 15
Lunar: 2020-02-03 is the first working day after the 2020 Spring Festival holiday; its twin a year
before is 2019-02-11 (the first working day after the 2019 holiday), where A read 77 kWh: B = 77 for
that day. On 2020-02-03 A reads 23.1: resumed under the lunar baseline (23.1 ≥ 0.3·77 = 23.1),
not under the mean one (23.1 < 0.3·82.5 = 24.75).
"""

import datetime as dt

import pyarrow as pa
import pytest

from fugong.engine import connect
from fugong.index.compute import IndexParams, Window, baselines
from fugong.index.service import compute

DEC = Window(dt.date(2019, 12, 1), dt.date(2019, 12, 31))
DAY = dt.date(2020, 2, 3)
READINGS = pa.table({
    "enterprise_id": ["A"] * 6,
    "date": pa.array([dt.date(2019, 12, 2), dt.date(2019, 12, 3), dt.date(2019, 12, 7), dt.date(2019, 12, 8),
                      dt.date(2019, 2, 11), DAY], pa.date32()),
    "kwh": [10.0, 20.0, 100.0, 200.0, 77.0, 23.1],
})
ENTERPRISES = pa.table({"enterprise_id": ["A"], "region_code": ["330102"], "industry_code": ["3731"], "size_class": ["small"]})


def _baseline(method: str) -> list:
    con = connect("duckdb")
    table = con.create_table("readings", READINGS, temp=True)
    out = con.to_pyarrow(baselines(table, params=IndexParams(baseline=DEC, baseline_method=method), period=Window(DAY, DAY)))
    return sorted((row.get("date"), row["baseline"]) for row in out.to_pylist())


@pytest.mark.parametrize(("method", "expected"), [("mean", 82.5), ("median", 60.0), ("workday-mean", 15.0)])
def test_the_window_baselines_match_the_hand_computed_values(method, expected):
    assert _baseline(method) == [(None, pytest.approx(expected))]


def test_the_lunar_baseline_is_the_twin_working_day_a_year_before():
    assert _baseline("lunar") == [(DAY, pytest.approx(77.0))]


@pytest.mark.parametrize(("method", "resumed"), [("lunar", 1), ("mean", 0), ("median", 1), ("workday-mean", 1)])
def test_the_resumed_mark_follows_the_method(method, resumed):
    params = IndexParams(baseline=DEC, baseline_method=method, theta=0.3)
    row = compute(readings=READINGS, enterprises=ENTERPRISES, period=Window(DAY, DAY), params=params, levels=("province",))["province"]
    assert row["resumed"].to_pylist() == [resumed]
