"""`fugong index compute` on a clean Parquet file computes the baselines in the same pass that checks
the file (`compute.baseline_aggregates`), not in a pass of their own: for every baseline option the
CLI's results equal the engine's own path (`service.compute`, whose `baselines` reads the rows)."""

import csv
import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from fugong.index.cli import app
from fugong.index.compute import IndexParams, Window, baseline_aggregates
from fugong.index.ingest import _connect, readings_in_engine
from fugong.index.service import compute

from .conftest import ENTERPRISES_CSV, write

BASELINE = Window(dt.date(2019, 12, 1), dt.date(2019, 12, 31))
PERIOD = Window(dt.date(2020, 2, 1), dt.date(2020, 2, 20))


def _readings(seed: int = 3) -> pa.Table:
    """A, B, E, F: December and February readings with gaps, zeros and a restart (no row to reject)."""
    rng = np.random.default_rng(seed)
    ids, days, kwh = [], [], []
    for n, enterprise in enumerate("ABEF"):
        for day in BASELINE.days() + PERIOD.days():
            if rng.random() < 0.15:
                continue  # a missing day is an absent row
            level = 100.0 * (n + 1) * (0.2 if day.month == 2 and day.day < 5 * (n + 1) else 1.0)
            ids.append(enterprise)
            days.append(day)
            kwh.append(0.0 if rng.random() < 0.1 else round(level * rng.uniform(0.5, 1.5), 3))
    return pa.table({"enterprise_id": ids, "date": pa.array(days, pa.date32()), "kwh": pa.array(kwh, pa.float64())})


CASES = {
    "mean": ([], IndexParams(baseline=BASELINE)),
    "median": (["--baseline-method", "median"], IndexParams(baseline=BASELINE, baseline_method="median")),
    "workday-mean": (["--baseline-method", "workday-mean", "--closure", "zhejiang-2020"],
                     IndexParams(baseline=BASELINE, baseline_method="workday-mean", closures=("zhejiang-2020",))),
    "baseload": (["--baseload", "--baseload-window", "2019-12-10:2019-12-20", "--energy", "all"],
                 IndexParams(baseline=BASELINE, baseload=True, baseload_window=Window(dt.date(2019, 12, 10), dt.date(2019, 12, 20)),
                             energy_numerator="all")),
    "min-baseline": (["--min-baseline", "150", "--theta", "0.5"], IndexParams(baseline=BASELINE, min_baseline_kwh=150.0, theta=0.5)),
}


def _cli(tmp_path, meters, options, extra=()):
    ents = write(tmp_path, "e.csv", ENTERPRISES_CSV)
    out = tmp_path / "out.csv"
    args = ["compute", "--meters", str(meters), "--enterprises", str(ents), "--baseline", str(BASELINE),
            "--period", str(PERIOD), "--by", "county", "--out", str(out), *options, *extra]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _engine(readings, params, *, zero_days_missing=False):
    if zero_days_missing:
        readings = readings.filter(pa.compute.not_equal(readings["kwh"], 0.0))
    enterprises = pa.table({"enterprise_id": ["A", "B", "E", "F"], "region_code": ["330102", "330102", "330106", "330302"],
                            "industry_code": ["3731", "3731", "1711", "1711"], "size_class": ["large", "small", "large", "small"]})
    return compute(readings=readings, enterprises=enterprises, period=PERIOD, params=params, levels=("county",))["county"].to_pylist()


def _same(cli_rows, engine_rows):
    assert len(cli_rows) == len(engine_rows) > 0
    for got, want in zip(cli_rows, engine_rows):
        assert (got["date"], got["code"]) == (want["date"].isoformat(), want["code"])
        for column in ("enterprises", "reporting", "resumed"):
            assert int(got[column]) == want[column], (column, got, want)
        for column in ("baseline_kwh", "resumed_kwh", "total_kwh", "resumed_share", "energy_ratio", "index"):
            if want[column] is None:
                assert got[column] == ""
            else:
                assert float(got[column]) == pytest.approx(want[column], rel=1e-12, abs=1e-12), (column, got, want)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_folded_baselines_give_the_engines_own_results(tmp_path, settings_env, case):
    options, params = CASES[case]
    readings = _readings()
    pq.write_table(readings, tmp_path / "d.parquet")
    _same(_cli(tmp_path, tmp_path / "d.parquet", options), _engine(readings, params))


def test_zero_days_taken_as_missing_are_left_out_of_the_folded_baselines(tmp_path, settings_env):
    readings = _readings(seed=5)
    pq.write_table(readings, tmp_path / "d.parquet")
    rows = _cli(tmp_path, tmp_path / "d.parquet", [], ["--zero-days-missing"])
    _same(rows, _engine(readings, IndexParams(baseline=BASELINE), zero_days_missing=True))


def test_the_baselines_come_from_the_check_of_a_clean_file_and_not_from_a_file_with_rejects(tmp_path):
    readings = _readings()
    pq.write_table(readings, tmp_path / "clean.parquet")
    dirty = pa.concat_tables([readings, pa.table({"enterprise_id": ["A"], "date": pa.array([dt.date(2020, 2, 3)], pa.date32()),
                                                  "kwh": pa.array([-5.0])})])
    pq.write_table(dirty, tmp_path / "dirty.parquet")
    known = pa.table({"enterprise_id": ["A", "B", "E", "F"]})
    params = IndexParams(baseline=BASELINE)

    def folded(path):
        con = _connect()
        _name, _summaries, table = readings_in_engine([path], con=con, known_ids=known,
                                                      also=lambda t, accepted: baseline_aggregates(t, params=params, accepted=accepted))
        return table and dict(con.execute(f"SELECT enterprise_id, baseline FROM {table}").fetchall())

    december = readings.filter(pa.compute.less(readings["date"], pa.scalar(dt.date(2020, 1, 1), pa.date32())))
    means = {e: np.mean([k for i, k in zip(december["enterprise_id"].to_pylist(), december["kwh"].to_pylist()) if i == e])
             for e in "ABEF"}
    got = folded(tmp_path / "clean.parquet")
    assert got is not None and set(got) == set(means)
    for enterprise, mean in means.items():
        assert got[enterprise] == pytest.approx(mean, rel=1e-12)
    assert folded(tmp_path / "dirty.parquet") is None  # the full validation ran; the engine computes B itself
