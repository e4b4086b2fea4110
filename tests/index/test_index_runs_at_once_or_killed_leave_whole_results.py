"""Index runs in real processes: a run for a new day while a full run replaces the plan it reads, and a
full run killed midway (just before its new plan replaces the old one). Every run that ends succeeds,
every file is whole, the day's results are what one run alone computes, and a killed full run leaves
every result file as it was (a full run's results are put in place whole: index/generation.py)."""

import os
import signal
import time

import datetime as dt

import duckdb

from fugong.index import generation, oneday, store
from fugong.index.compute import IndexParams, Window
from fugong.index.service import compute_all, read_results

from .day_results import BASELINE, NEW_DAY, PERIOD, assert_same, files_of, new_day, store_february
from .store_processes import finish, spawn, wait_for


def _plan_theta(settings) -> float:
    import json

    con = duckdb.connect()
    con.execute(f"ATTACH '{oneday.plan_path(settings)}' AS p (READ_ONLY)")
    return json.loads(con.execute("SELECT key FROM p.plan").fetchone()[0])["params"]["theta"]


def _alone(settings, params):
    """The day's files as one full computation alone writes them (no plan)."""
    oneday.plan_path(settings).unlink(missing_ok=True)
    compute_all(settings=settings, period=PERIOD, params=params, only_dates={NEW_DAY})
    return files_of(settings, NEW_DAY)


def test_a_new_day_computed_while_a_full_run_replaces_the_plan(index_settings, tmp_path):
    params = IndexParams(baseline=BASELINE)
    store_february(index_settings, tmp_path)
    compute_all(settings=index_settings, period=PERIOD, params=params)
    new_day(index_settings, tmp_path)

    full = spawn("run", 3, params.theta)  # each round writes a new plan file
    days = spawn("run", 12, params.theta, NEW_DAY.isoformat())
    finish(full, timeout=600)
    finish(days, timeout=600)

    mine = files_of(index_settings, NEW_DAY)
    assert_same(mine, _alone(index_settings, params))
    assert not list(oneday.plan_path(index_settings).parent.glob(".plan-*"))


def _every_file(settings) -> dict[str, bytes]:
    """{path under results/index: content} of every result file, as readers reach them (through the link)."""
    root = generation.link_path(settings)
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_a_full_run_killed_midway_leaves_every_result_file_as_it_was(index_settings, tmp_path):
    params = IndexParams(baseline=BASELINE)
    store_february(index_settings, tmp_path)
    compute_all(settings=index_settings, period=PERIOD, params=params, enterprises_too=True)
    new_day(index_settings, tmp_path)
    before = _every_file(index_settings)
    assert {"params.json", "plan.duckdb", "enterprises.parquet"} <= set(before) and len(before) > 40

    # Other parameters, killed after it wrote every level and per-enterprise day of the period and
    # just before its plan would replace the old one: nothing it wrote is seen.
    paused = tmp_path / "paused"
    other = spawn("run", 1, 0.5, "--pause", 60, paused)
    wait_for(paused, other)
    other.send_signal(signal.SIGKILL)
    other.wait(timeout=30)

    assert _every_file(index_settings) == before
    assert _plan_theta(index_settings) == params.theta
    generations = generation.link_path(index_settings).parent / ".index"
    assert len(list(generations.glob("*.partial"))) == 1
    finish(spawn("run", 1, params.theta, NEW_DAY.isoformat()))  # reads the old plan (or computes in full if it could not)
    assert_same(files_of(index_settings, NEW_DAY), _alone(index_settings, params))
    # the killed run's partial generation went with that next run (no other run writes then)
    assert not list(generations.glob("*.partial"))

    finish(spawn("run", 1, 0.5))  # the run again, to its end: its results and plan are in place
    assert _plan_theta(index_settings) == 0.5
    assert not list(oneday.plan_path(index_settings).parent.glob(".plan-*"))


def test_a_full_run_keeps_the_days_outside_its_period_and_replaced_generations_go_after_the_grace_period(index_settings, tmp_path):
    params = IndexParams(baseline=BASELINE)
    store_february(index_settings, tmp_path)
    compute_all(settings=index_settings, period=PERIOD, params=params)
    early = Window(PERIOD.start, dt.date(2020, 2, 7))
    compute_all(settings=index_settings, period=early, params=params)
    # the days after the short period are those of the first run
    assert read_results(settings=index_settings, level="province", date=dt.date(2020, 2, 14))["reporting"].to_pylist() == [4]
    generations = sorted((generation.link_path(index_settings).parent / ".index").iterdir())
    assert len(generations) == 2 and os.readlink(generation.link_path(index_settings)).endswith(generations[-1].name)

    os.utime(generations[0], (time.time() - 2 * store.grace_seconds(index_settings),) * 2)
    # a run for one day leaves it (removing a generation costs more than such a run), the next full run removes it
    compute_all(settings=index_settings, period=early, params=params, only_dates={dt.date(2020, 2, 5)})
    assert sorted((generation.link_path(index_settings).parent / ".index").iterdir()) == generations
    compute_all(settings=index_settings, period=early, params=params)
    remaining = sorted((generation.link_path(index_settings).parent / ".index").iterdir())
    assert generations[0] not in remaining and generations[1] in remaining and len(remaining) == 2


def test_the_current_generation_is_kept_however_old_and_however_the_data_folder_is_reached(index_settings, tmp_path):
    params = IndexParams(baseline=BASELINE)
    store_february(index_settings, tmp_path)
    alias = tmp_path / "alias"  # the data folder through a link (or a relative path): the same generations
    alias.symlink_to(index_settings.data_dir, target_is_directory=True)
    settings = index_settings.model_copy(update={"data_dir": alias})
    compute_all(settings=settings, period=PERIOD, params=params)
    current = generation.link_path(settings).resolve()
    os.utime(current, (time.time() - 2 * store.grace_seconds(settings),) * 2)

    compute_all(settings=settings, period=Window(PERIOD.start, dt.date(2020, 2, 7)), params=params)
    # the days after the short period are the first run's: its generation was not collected under it
    assert read_results(settings=settings, level="province", date=dt.date(2020, 2, 14))["reporting"].to_pylist() == [4]
    assert current.exists()
