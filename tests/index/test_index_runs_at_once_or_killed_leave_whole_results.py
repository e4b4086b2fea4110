"""Index runs in real processes: a run for a new day while a full run replaces the plan it reads, and a
full run killed just before its new plan replaces the old one. Every run that ends succeeds, every
file is whole, and the day's results are what one run alone computes."""

import os
import signal
import time

import duckdb

from fugong.index import oneday
from fugong.index.compute import IndexParams
from fugong.index.service import compute_all

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


def test_a_full_run_killed_before_its_plan_is_in_place_leaves_the_old_plan_whole(index_settings, tmp_path):
    params = IndexParams(baseline=BASELINE)
    store_february(index_settings, tmp_path)
    compute_all(settings=index_settings, period=PERIOD, params=params)
    new_day(index_settings, tmp_path)

    paused = tmp_path / "paused"
    other = spawn("run", 1, 0.5, "--pause", 60, paused)  # other parameters: another plan
    wait_for(paused, other)
    other.send_signal(signal.SIGKILL)
    other.wait(timeout=30)

    assert _plan_theta(index_settings) == params.theta  # the old plan, whole
    finish(spawn("run", 1, params.theta, NEW_DAY.isoformat()))  # reads it (or computes in full if it could not)
    assert_same(files_of(index_settings, NEW_DAY), _alone(index_settings, params))

    # The killed run's temporary plan stays until it is old enough not to be another run's, then goes.
    (stray,) = oneday.plan_path(index_settings).parent.glob(".plan-*.tmp")
    os.utime(stray, (time.time() - 2 * oneday.STALE_SECONDS,) * 2)

    finish(spawn("run", 1, 0.5))  # the run again, to its end: the new plan is in place
    assert _plan_theta(index_settings) == 0.5
    assert not list(oneday.plan_path(index_settings).parent.glob(".plan-*"))
