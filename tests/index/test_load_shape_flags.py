"""Load-shape flags on 15-minute data: an idle machine run flat just above θ·B is flagged; a
factory with a day/night shape and a continuous-process plant (flat always, near B) are not."""

import datetime as dt

import pyarrow as pa

from fugong.index.cohorts import FlagParams, shape_flags
from fugong.index.compute import IndexParams, Window
from fugong.engine import connect
import ibis

REF_DAYS = [dt.date(2020, 1, 6) + dt.timedelta(days=n) for n in range(5)]
OBS_DAYS = [dt.date(2020, 2, 10) + dt.timedelta(days=n) for n in range(5)]
B = 96.0  # 1 kWh per quarter hour on average


def _features(eid, days, *, kwh, night_day, cv):
    return [dict(enterprise_id=eid, date=d, kwh=kwh, intervals=96, expected=96, completeness=1.0, peak=None, mean=kwh / 96,
                 night_day_ratio=night_day, flatness=cv) for d in days]


ROWS = (
    _features("gamer", REF_DAYS, kwh=B, night_day=0.25, cv=0.6) + _features("gamer", OBS_DAYS, kwh=0.33 * B, night_day=1.0, cv=0.01)
    + _features("factory", REF_DAYS, kwh=B, night_day=0.25, cv=0.6) + _features("factory", OBS_DAYS, kwh=0.35 * B, night_day=0.3, cv=0.55)
    + _features("continuous", REF_DAYS, kwh=B, night_day=0.95, cv=0.05) + _features("continuous", OBS_DAYS, kwh=0.9 * B, night_day=0.95, cv=0.05)
    # a ramping continuous plant sits near θ·B but keeps its own flat shape: one vote only
    + _features("ramping-continuous", REF_DAYS, kwh=B, night_day=0.95, cv=0.05) + _features("ramping-continuous", OBS_DAYS, kwh=0.34 * B, night_day=0.95, cv=0.05)
)


def test_only_the_idle_machine_is_an_idle_suspect():
    con = connect("duckdb")
    features = ibis.memtable(pa.Table.from_pylist(ROWS))
    base = ibis.memtable(pa.table({"enterprise_id": ["gamer", "factory", "continuous", "ramping-continuous"], "baseline": [B] * 4}))
    out = con.to_pyarrow(shape_flags(features, base, flags=FlagParams(), params=IndexParams(), period=Window(dt.date(2020, 2, 10), dt.date(2020, 2, 29))))
    r = {row["enterprise_id"]: row for row in out.to_pylist()}
    g = r["gamer"]
    assert (g["flat_profile"], g["night_jump"], g["near_threshold"], g["idle_suspect"]) == (True, True, True, True)
    assert r["factory"]["idle_suspect"] is False and r["factory"]["near_threshold"] is True
    assert not any(r["continuous"][k] for k in ("flat_profile", "night_jump", "near_threshold", "idle_suspect"))
    assert r["ramping-continuous"]["near_threshold"] is True and r["ramping-continuous"]["idle_suspect"] is False
