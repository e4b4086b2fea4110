"""Real meters through the UK lockdown of 23 March 2020 (Cambridge University Estates archive, MIT,
doi:10.5281/zenodo.10955332; see docs/real-data-cambridge.md): R falls after the lockdown, and the
baseload-aware option sees far fewer "resumed" buildings than θ = 0.3 does, because most buildings
keep a standby load above 0.3·B while closed."""

import datetime as dt

import pyarrow as pa

from fugong.index.compute import IndexParams, Window
from fugong.index.ingest import read_readings_for_compute
from fugong.index.service import compute

from ..conftest import shared_path

BEFORE = (dt.date(2020, 1, 6), dt.date(2020, 3, 13))
LOCKDOWN = (dt.date(2020, 3, 23), dt.date(2020, 4, 30))


def _weekday_mean(rows, column, window):
    values = [r[column] for r in rows if window[0] <= r["date"] <= window[1] and r["date"].weekday() < 5]
    return sum(values) / len(values)


def test_the_index_drops_after_the_uk_lockdown_and_baseload_shows_the_closure():
    daily = shared_path("data", "meters", "cambridge-estates", "daily-2019-2020.csv")
    readings, (summary,) = read_readings_for_compute([daily], zero_days_missing=True)
    assert summary.zero_days > 0 and summary.rejected == 0
    ids = sorted(set(readings["enterprise_id"].to_pylist()))
    buildings = pa.table({"enterprise_id": ids, "region_code": ["990101"] * len(ids), "industry_code": ["8341"] * len(ids)})
    period = Window(dt.date(2020, 1, 6), dt.date(2020, 4, 30))
    out = {}
    for name, params in {"plain": IndexParams(), "baseload": IndexParams(baseload=True)}.items():
        out[name] = compute(readings=readings, enterprises=buildings, period=period, params=params, levels=("province",))["province"].to_pylist()
    plain, base = out["plain"], out["baseload"]
    assert len(ids) == 85
    assert _weekday_mean(plain, "index", LOCKDOWN) < _weekday_mean(plain, "index", BEFORE) - 10
    assert _weekday_mean(plain, "energy_ratio", LOCKDOWN) < _weekday_mean(plain, "energy_ratio", BEFORE) - 20
    # θ = 0.3 still counts over 90 % of buildings as resumed in lockdown (standby load); baseload-aware under 60 %.
    assert _weekday_mean(plain, "resumed_share", LOCKDOWN) > 90
    assert _weekday_mean(base, "resumed_share", LOCKDOWN) < 60
