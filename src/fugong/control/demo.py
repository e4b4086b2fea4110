"""The demo's control stage: a synthetic external feed for Zhejiang's 90 counties, loaded and run.

Transport, checkpoint, coach, logistics and migrant figures per county were not published, so the
demo *synthesises* them (labelled "合成 / synthetic" in every row's note): each county reopens
along a logistic curve through February 2020 whose pace follows its own resumption index R where
the index was computed (a county whose factories restart also reopens its buses), plus seeded
noise. Health-code aggregates (green share, red-coded people per 100,000) arrive the same way for the
counties whose people fugong does not hold itself — as a province's health-code platform would send
them; fugong's own figures win where it has people. Active-screening shares are given for a third of the counties only, and a few counties'
last two days are left out — so the demo shows the k−1 rule and the display series at work.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from pathlib import Path

FEED_INDICATORS = ("public_transport_open_share", "checkpoints_lifted_share", "coach_services_resumed_share",
                   "logistics_volume_ratio", "migrant_inflow_ratio")
NOTE = "合成数据 / synthetic (fugong demo)"
MODEL = "zj-precision-control-2020"


def _county_r(settings, day: dt.date) -> dict[str, float]:
    from fugong.index.service import read_results

    table = read_results(settings=settings, level="county", date=day)
    if not table.num_rows or "index" not in table.column_names:
        return {}
    return {c: v for c, v in zip(table["code"].to_pylist(), table["index"].to_pylist()) if v is not None}


def write_feed(settings, path: Path, *, as_of: dt.date, days: int = 28, seed: int = 20200210,
               own_health_codes: frozenset[str] = frozenset()) -> int:
    """Write the synthetic feed CSV; returns its row count. ``own_health_codes``: counties whose
    health-code figures fugong computes itself (no synthetic health-code rows for them)."""
    from fugong.reference import regions

    rng = random.Random(seed)
    counties = [r.code for r in regions.children("33", vintage="2020", level="county")]
    r_today = _county_r(settings, as_of)
    start = as_of - dt.timedelta(days=days - 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["region_code", "date", "indicator", "value", "flag", "note"])
        for n, county in enumerate(counties):
            pace = (r_today.get(county, 50.0) / 100.0) if r_today else rng.uniform(0.3, 0.8)
            midpoint = dt.date(2020, 2, 10) + dt.timedelta(days=round((1 - pace) * 12))
            late = n % 15 == 7  # these counties' feeds stop two days early
            for k in range(days):
                day = start + dt.timedelta(days=k)
                if late and day > as_of - dt.timedelta(days=2):
                    continue
                ramp = 1 / (1 + math.exp(-(day - midpoint).days / 3))
                for indicator in FEED_INDICATORS:
                    level = {"public_transport_open_share": 0.95, "checkpoints_lifted_share": 0.9,
                             "coach_services_resumed_share": 0.8, "logistics_volume_ratio": 1.0,
                             "migrant_inflow_ratio": 0.85}[indicator]
                    value = max(0.0, min(1.2, level * ramp + rng.gauss(0, 0.03)))
                    writer.writerow([county, day.isoformat(), indicator, f"{value:.3f}", "", NOTE])
                    rows += 1
                if county not in own_health_codes:
                    writer.writerow([county, day.isoformat(), "hc_green_share",
                                     f"{min(1.0, 0.97 + 0.02 * ramp + rng.gauss(0, 0.005)):.4f}", "", NOTE])
                    writer.writerow([county, day.isoformat(), "hc_red_per_100k",
                                     f"{max(0.0, 6 * (1 - ramp) + rng.gauss(0, 0.5)):.2f}", "", NOTE])
                    rows += 2
                if n % 3 == 0:
                    writer.writerow([county, day.isoformat(), "active_screening_share",
                                     f"{min(1.0, max(0.0, 0.4 + 0.4 * ramp + rng.gauss(0, 0.05))):.3f}", "", NOTE])
                    rows += 1
    return rows


def run_demo_stage(ctx) -> str:
    """Write and load the synthetic feed, then run the Zhejiang model up to the demo's day."""
    from fugong.access import SYSTEM
    from fugong.control import service
    from fugong.control.model import load_model
    from fugong.store.db import connect

    settings = ctx.settings
    as_of = settings.as_of or dt.date(2020, 2, 20)
    path = Path(settings.data_dir) / "demo" / "control-feed.csv"
    engine = connect(settings.resolved_database_url)
    try:
        from sqlalchemy import select

        from fugong.healthcode.models import Person
        from fugong.store.db import session_scope

        with session_scope(engine) as session:
            own = frozenset(session.scalars(select(Person.region_code).distinct()))
        write_feed(settings, path, as_of=as_of, seed=ctx.seed, own_health_codes=own)
        loaded = service.load_feed(engine, path=path, principal=SYSTEM, rejects_dir=settings.rejects_dir)
        summary = service.run(engine, settings=settings, model=load_model(MODEL), as_of=as_of, principal=SYSTEM)
    finally:
        engine.dispose()
    ctx.results["control"] = summary
    return (f"synthetic feed {loaded.rows:,} rows ({loaded.inserted:,} new); {MODEL}: {summary['regions']} counties, "
            f"{summary['results']:,} index values up to {as_of}")
