"""A small served data set for the dashboard's tests and load benchmark (not the demo itself).

``prepare(data_dir=, scale=0.003)`` generates the calibrated synthetic Zhejiang at a tiny scale
(``fugong.demo.scenario``; 0.003 → 1,000 enterprises), puts enterprises and daily readings into the
index store and computes the index results for January-February 2020, so a served app has a real
overview, explorer and county drill-down. ``fugong demo`` does the same at full scale.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

PERIOD = (dt.date(2020, 1, 1), dt.date(2020, 2, 29))


def prepare(*, data_dir: Path | str, scale: float = 0.003, seed: int = 20200210,
            period: tuple[dt.date, dt.date] = PERIOD) -> dict:
    """Generate, store and compute; returns {'enterprises': n, 'levels': [...]}."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from fugong.config import load_settings
    from fugong.demo.scenario import generate
    from fugong.index import service, store
    from fugong.index.compute import Window

    settings = load_settings({"FUGONG_DATA_DIR": str(data_dir)})
    settings.ensure_dirs()
    with tempfile.TemporaryDirectory() as tmp:
        files = generate(out_dir=tmp, scale=scale, seed=seed, interval_meters=20)
        daily = pq.read_table(files.daily)
        daily = pa.table({
            "enterprise_id": daily["enterprise_id"].cast(pa.string()),
            "date": daily["date"],
            "kwh": daily["kwh"],
            "source": pa.array(["daily"] * daily.num_rows, pa.string()),
        })
        months = pc.strftime(daily["date"], format="%Y-%m")
        with store.writing(settings) as txn:
            txn.set_enterprises(pq.read_table(files.enterprises))
            added = [txn.write_part("daily", month, daily.filter(pc.equal(months, month)))
                     for month in sorted(set(months.to_pylist()))]
            txn.replace("daily", added=added, months=None)
            txn.audit(actor="system:sample", action="index_store.sample", entity="index_store", entity_id="sample",
                      after={"enterprises": files.enterprise_count, "readings": daily.num_rows})
            txn.commit()
    out = service.compute_all(settings=settings, period=Window(*period), enterprises_too=True)
    out = {k: v for k, v in out.items() if k not in ("enterprises", "enterprise_days")}
    return {"enterprises": files.enterprise_count, "levels": sorted(out)}
