"""The per-enterprise results of `fugong index run` (first resumption, cohort, never stopped) take the
baselines the run's totals saved (results/index/baselines.parquet) and read of the readings only the
months from the holiday core on — and come out as a computation from every reading gives them, for
every baseline method (the lunar one, whose baselines are per day, computes its own)."""

import dataclasses
import datetime as dt
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fugong.index.compute import IndexParams, Window
from fugong.index.oneday import read_enterprise_results
from fugong.index.service import baselines_path, compute_all, compute_enterprises, enterprise_results
from fugong.index.ingest import ingest_readings

from .conftest import ENTERPRISES_CSV, write

PERIOD = Window(dt.date(2020, 2, 10), dt.date(2020, 2, 28))
PARAMS = IndexParams(baseline=Window(dt.date(2019, 12, 2), dt.date(2019, 12, 31)), closures=("zhejiang-2020",))
METHODS = {
    "mean": PARAMS,
    "median": dataclasses.replace(PARAMS, baseline_method="median"),
    "workday-mean": dataclasses.replace(PARAMS, baseline_method="workday-mean"),
    "mean with baseload": dataclasses.replace(PARAMS, baseload=True),
    "lunar": dataclasses.replace(PARAMS, baseline_method="lunar"),
}
COMPARED = ("enterprise_id", "eligible", "first_resumption", "never_stopped", "cohort")


def _readings() -> str:
    """A year of readings (the lunar method's reference days lie in early 2019): A runs through the
    holiday, B and E stop from 20 January and come back at their own pace, F stays almost idle."""
    rng = random.Random(7)
    back = {"A": dt.date(2020, 1, 1), "B": dt.date(2020, 2, 12), "E": dt.date(2020, 2, 19), "F": dt.date(2099, 1, 1)}
    lines, day = ["enterprise_id,date,kwh"], dt.date(2019, 1, 1)
    while day <= PERIOD.end:
        for firm, level in (("A", 500.0), ("B", 300.0), ("E", 120.0), ("F", 80.0)):
            stopped = dt.date(2020, 1, 20) <= day < back[firm]
            kwh = level * (rng.uniform(0.02, 0.15) if stopped else rng.uniform(0.7, 1.3))
            lines.append(f"{firm},{day.isoformat()},{kwh:.3f}")
        day += dt.timedelta(days=1)
    return "\n".join(lines) + "\n"


def _from_every_reading(text: str, params: IndexParams) -> dict:
    rows = [line.split(",") for line in text.strip().splitlines()[1:]]
    readings = pa.table({"enterprise_id": [r[0] for r in rows], "date": pa.array([dt.date.fromisoformat(r[1]) for r in rows]),
                         "kwh": [float(r[2]) for r in rows]})
    firms = [line.split(",") for line in ENTERPRISES_CSV.strip().splitlines()[1:]]
    enterprises = pa.table({"enterprise_id": [f[0] for f in firms], "region_code": [f[1] for f in firms],
                            "industry_code": [f[2] for f in firms], "size_class": [f[3] for f in firms]})
    table = enterprise_results(readings=readings, enterprises=enterprises, period=PERIOD, params=params)
    return {r["enterprise_id"]: r for r in table.to_pylist()}


def _stored(settings) -> dict:
    return {r["enterprise_id"]: r for r in read_enterprise_results(settings).to_pylist()}


@pytest.mark.parametrize("method", METHODS)
def test_the_stored_results_equal_those_computed_from_every_reading(index_settings, tmp_path, method):
    params = METHODS[method]
    text = _readings()
    ingest_readings(settings=index_settings, path=write(tmp_path, "year.csv", text))
    compute_all(settings=index_settings, period=PERIOD, params=params, enterprises_too=True)

    stored, expected = _stored(index_settings), _from_every_reading(text, params)
    assert {firm: [stored[firm][c] for c in COMPARED] for firm in stored} == {
        firm: [expected[firm][c] for c in COMPARED] for firm in expected}
    for firm in expected:
        assert stored[firm]["baseline"] == pytest.approx(expected[firm]["baseline"], rel=1e-12)
        assert stored[firm]["holiday_ratio"] == pytest.approx(expected[firm]["holiday_ratio"], rel=1e-12)
    # The data tell the cohorts apart, so a wrong baseline or span would show.
    assert {firm: stored[firm]["cohort"] for firm in stored} == {"A": "never-stopped", "B": "resumed", "E": "resumed", "F": "not-resumed"}
    assert stored["B"]["first_resumption"] < stored["E"]["first_resumption"]


def test_they_read_the_baselines_the_totals_saved(index_settings, tmp_path):
    ingest_readings(settings=index_settings, path=write(tmp_path, "year.csv", _readings()))
    compute_all(settings=index_settings, period=PERIOD, params=PARAMS, enterprises_too=True)
    saved = pq.read_table(baselines_path(index_settings))
    # B's saved baseline made ten times its readings' (the key kept): B no longer resumes, so the
    # results were computed from the saved value, not from the baseline months' readings.
    values = pa.array([b * 10 if e == "B" else b for e, b in zip(saved["enterprise_id"].to_pylist(), saved["baseline"].to_pylist())],
                      pa.float64())
    pq.write_table(saved.set_column(saved.schema.get_field_index("baseline"), "baseline", values), baselines_path(index_settings))

    compute_enterprises(settings=index_settings, period=PERIOD, params=PARAMS)
    b = _stored(index_settings)["B"]
    assert b["baseline"] == pytest.approx(values.to_pylist()[saved["enterprise_id"].to_pylist().index("B")])
    assert b["first_resumption"] is None and b["cohort"] == "not-resumed"
