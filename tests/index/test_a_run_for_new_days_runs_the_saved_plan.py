"""`fugong index run --date D` runs the statements the last full run compiled (results/index/plan.duckdb)
and writes exactly what the full computation writes for D — the same files, columns, types and values —
without importing Ibis or pandas; when the plan does not apply it computes in full."""

import dataclasses
import datetime as dt
import math
import os
import shutil
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from fugong.index import oneday, service
from fugong.index.compute import IndexParams, Window
from fugong.index.ingest import ingest_readings
from fugong.index.service import compute_all, read_results

from .conftest import write
from .day_results import BASELINE, NEW_DAY, PERIOD, assert_same, files_of, new_day, store_february

PARAMS = [
    IndexParams(baseline=BASELINE),
    IndexParams(baseline=BASELINE, theta=0.45, baseload=True, baseload_window=Window(dt.date(2019, 12, 20), dt.date(2019, 12, 30)),
                closures=("zhejiang-2020",), baseline_method="median", min_baseline_kwh=105.0, energy_numerator="all",
                band_cutoffs=(20.0, 40.0, 70.0), band_names=("一", "二", "三", "四")),
    IndexParams(baseline=BASELINE, baseline_method="workday-mean", closures=("zhejiang-2020",), weight=0.7,
                category_set="jiangsu-2020"),
]


@pytest.mark.parametrize("params", PARAMS, ids=["defaults", "every-option", "workday-mean"])
def test_a_new_day_from_the_plan_writes_what_the_full_computation_writes(index_settings, tmp_path, monkeypatch, params):
    store_february(index_settings, tmp_path)
    compute_all(settings=index_settings, period=PERIOD, params=params)
    assert oneday.plan_path(index_settings).exists()
    new_day(index_settings, tmp_path)

    with monkeypatch.context() as m:
        m.setattr(service, "_compute_all", lambda **_: pytest.fail("the full computation ran"))
        compute_all(settings=index_settings, period=PERIOD, params=params, only_dates={NEW_DAY})
    from_plan = files_of(index_settings, NEW_DAY)

    oneday.plan_path(index_settings).unlink()
    compute_all(settings=index_settings, period=PERIOD, params=params, only_dates={NEW_DAY})
    assert_same(from_plan, files_of(index_settings, NEW_DAY))
    # and the day is really there: every eligible firm that reported
    assert from_plan["province"]["reporting"].to_pylist()[0] == len(from_plan["enterprise_days"]) > 0


def test_several_new_days_at_once_come_from_the_plan_too(index_settings, tmp_path, monkeypatch):
    params = IndexParams(baseline=BASELINE)
    store_february(index_settings, tmp_path)
    compute_all(settings=index_settings, period=PERIOD, params=params)
    text = "enterprise_id,date,kwh\n" + "".join(f"{firm},2020-02-{day},{kwh}\n" for day in (17, 18)
                                                for firm, kwh in (("A", 95), ("B", 20), ("E", 130)))
    ingest_readings(settings=index_settings, path=write(tmp_path, "two.csv", text))
    days = {dt.date(2020, 2, 17), dt.date(2020, 2, 18)}

    with monkeypatch.context() as m:
        m.setattr(service, "_compute_all", lambda **_: pytest.fail("the full computation ran"))
        compute_all(settings=index_settings, period=PERIOD, params=params, only_dates=days)
    from_plan = {d: files_of(index_settings, d) for d in days}
    oneday.plan_path(index_settings).unlink()
    compute_all(settings=index_settings, period=PERIOD, params=params, only_dates=days)
    for day in days:
        assert_same(from_plan[day], files_of(index_settings, day))
        assert len(from_plan[day]["enterprise_days"]) == 3


def test_a_run_for_a_new_day_imports_neither_ibis_nor_pandas(index_settings, tmp_path):
    params = IndexParams(baseline=BASELINE, closures=("zhejiang-2020",))
    store_february(index_settings, tmp_path)
    compute_all(settings=index_settings, period=PERIOD, params=params)
    new_day(index_settings, tmp_path)
    program = (
        "import sys\n"
        "from fugong.entry import main\n"
        "sys.argv = ['fugong', 'index', 'run', '--period', '2020-02-03:2020-02-20', '--baseline', '2019-12-01:2019-12-30',"
        " '--closure', 'zhejiang-2020', '--date', '2020-02-17']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "print(sorted(m for m in ('ibis', 'pandas', 'pyarrow.compute', 'sqlalchemy') if m in sys.modules))\n"
    )
    env = {**os.environ, "FUGONG_DATA_DIR": str(index_settings.data_dir)}
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert read_results(settings=index_settings, level="province", date=NEW_DAY)["reporting"].to_pylist() == [4]


def test_the_full_computation_runs_when_the_plan_does_not_apply(index_settings, tmp_path, monkeypatch):
    params = IndexParams(baseline=BASELINE)
    store_february(index_settings, tmp_path)
    compute_all(settings=index_settings, period=PERIOD, params=params)
    new_day(index_settings, tmp_path)
    calls = []
    full = service._compute_all
    monkeypatch.setattr(service, "_compute_all", lambda **kw: calls.append(kw["only_dates"]) or full(**kw))

    # other parameters than the plan's
    compute_all(settings=index_settings, period=PERIOD, params=dataclasses.replace(params, theta=0.5), only_dates={NEW_DAY})
    # a day outside the plan's period (the theta-0.5 run saved a plan for PERIOD with theta 0.5)
    later = dt.date(2020, 2, 25)
    ingest_readings(settings=index_settings, path=write(tmp_path, "later.csv", "enterprise_id,date,kwh\nA,2020-02-25,90\n"))
    compute_all(settings=index_settings, period=Window(PERIOD.start, later), params=dataclasses.replace(params, theta=0.5),
                only_dates={later})
    # a late reading in a baseline month: other baselines than the plan's
    ingest_readings(settings=index_settings, path=write(tmp_path, "late.csv", "enterprise_id,date,kwh\nA,2019-12-31,4000\n"))
    compute_all(settings=index_settings, period=PERIOD, params=dataclasses.replace(params, theta=0.5), only_dates={NEW_DAY})
    # custom groups
    groups = tmp_path / "groups.parquet"
    import pyarrow as pa

    pq.write_table(pa.table({"group_id": ["g", "g"], "enterprise_id": ["A", "B"]}), groups)
    compute_all(settings=index_settings, period=PERIOD, params=dataclasses.replace(params, theta=0.5), only_dates={NEW_DAY},
                members_path=groups)
    assert calls == [{NEW_DAY}, {later}, {NEW_DAY}, {NEW_DAY}]

    # and then, nothing changed since the last full run of the same parameters: the plan
    compute_all(settings=index_settings, period=PERIOD, params=dataclasses.replace(params, theta=0.5), only_dates={NEW_DAY})
    assert len(calls) == 4


def test_a_damaged_plan_is_computed_in_full_and_replaced(index_settings, tmp_path, monkeypatch):
    params = IndexParams(baseline=BASELINE)
    store_february(index_settings, tmp_path)
    compute_all(settings=index_settings, period=PERIOD, params=params)
    new_day(index_settings, tmp_path)
    oneday.plan_path(index_settings).write_bytes(b"not a database")
    compute_all(settings=index_settings, period=PERIOD, params=params, only_dates={NEW_DAY})
    assert read_results(settings=index_settings, level="province", date=NEW_DAY)["reporting"].to_pylist() == [4]
    with monkeypatch.context() as m:
        m.setattr(service, "_compute_all", lambda **_: pytest.fail("the full computation ran"))
        compute_all(settings=index_settings, period=PERIOD, params=params, only_dates={NEW_DAY})


def test_the_bands_of_the_saved_plan_are_those_of_the_parameters_to_the_last_bit():
    import duckdb

    from fugong.index.service import OUTPUT_COLUMNS

    cut = 0.46882812245415684  # 17 digits: a bare literal is a DECIMAL to DuckDB
    params = IndexParams(band_cutoffs=(cut, 60.0), band_names=("low", "middle", "high"))
    values = [math.nextafter(cut, -math.inf), cut, math.nextafter(cut, math.inf), 59.999999999999, 60.0, 1e9, None,
              float("nan"), float("-inf")]
    con = duckdb.connect()
    con.execute("CREATE TABLE plan_levels (level VARCHAR, date DATE, code VARCHAR, enterprises BIGINT, reporting BIGINT,"
                " resumed BIGINT, baseline_kwh DOUBLE, resumed_kwh DOUBLE, total_kwh DOUBLE, resumed_share DOUBLE,"
                " energy_ratio DOUBLE, index DOUBLE)")
    for n, value in enumerate(values):
        con.execute("INSERT INTO plan_levels VALUES ('province', DATE '2020-02-17', ?, 1, 1, 1, 1, 1, 1, 1, 1, ?)",
                    [f"{n:02d}", value])
    types = {c: "DOUBLE" for c in OUTPUT_COLUMNS} | {"date": "DATE", "code": "VARCHAR", "enterprises": "BIGINT"}
    rows = con.execute(oneday._finished("province", NEW_DAY, params, types, oneday._names(con, "province", params))).fetchall()
    bands = [row[-1] for row in rows]
    assert bands == [params.band(v) for v in values]
    assert bands[:3] == ["low", "middle", "middle"]


def test_a_changed_category_set_file_is_computed_in_full(index_settings, tmp_path, monkeypatch):
    from fugong.reference.industries import DATA

    categories = tmp_path / "categories.toml"
    shutil.copy(DATA / "categories" / "jiangsu-2020.toml", categories)
    params = IndexParams(baseline=BASELINE, category_set=str(categories))
    store_february(index_settings, tmp_path)
    compute_all(settings=index_settings, period=PERIOD, params=params)
    new_day(index_settings, tmp_path)
    calls = []
    full = service._compute_all
    monkeypatch.setattr(service, "_compute_all", lambda **kw: calls.append(1) or full(**kw))
    compute_all(settings=index_settings, period=PERIOD, params=params, only_dates={NEW_DAY})
    assert calls == []  # the same file: the plan
    categories.write_text(categories.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    compute_all(settings=index_settings, period=PERIOD, params=params, only_dates={NEW_DAY})
    assert calls == [1]  # its groups may map enterprises otherwise now


def test_a_level_without_rows_that_day_gets_no_file_from_either_path(index_settings, tmp_path, monkeypatch):
    from fugong.index.ingest import ingest_enterprises

    no_sizes = "enterprise_id,region_code,industry_code\nA,330102,3731\nB,330102,3731\nE,330106,1711\nF,330302,1711\n"
    ingest_enterprises(settings=index_settings, path=write(tmp_path, "e.csv", no_sizes), replace=True)
    params = IndexParams(baseline=BASELINE)
    store_february(index_settings, tmp_path)
    compute_all(settings=index_settings, period=PERIOD, params=params)
    new_day(index_settings, tmp_path)
    with monkeypatch.context() as m:
        m.setattr(service, "_compute_all", lambda **_: pytest.fail("the full computation ran"))
        compute_all(settings=index_settings, period=PERIOD, params=params, only_dates={NEW_DAY})
    root = service.results_dir(index_settings)
    written = sorted(p.relative_to(root).as_posix() for p in root.glob(f"*/date={NEW_DAY.isoformat()}/*"))
    assert not any(p.startswith("level=size/") for p in written)
    for p in root.glob(f"*/date={NEW_DAY.isoformat()}"):
        shutil.rmtree(p)
    oneday.plan_path(index_settings).unlink()
    compute_all(settings=index_settings, period=PERIOD, params=params, only_dates={NEW_DAY})
    assert sorted(p.relative_to(root).as_posix() for p in root.glob(f"*/date={NEW_DAY.isoformat()}/*")) == written


def test_index_run_refuses_a_cut_off_that_is_not_a_finite_number(settings_env):
    from typer.testing import CliRunner

    from fugong.index.cli import app

    for cutoffs in ("30,inf", "nan,60"):
        result = CliRunner().invoke(app, ["run", "--band-cutoffs", cutoffs, "--band-names", "a,b,c"])
        assert result.exit_code != 0
        assert "finite" in result.output
