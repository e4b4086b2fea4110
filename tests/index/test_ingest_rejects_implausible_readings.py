"""A reading beyond the physical bound of its enterprise's size class (or non-finite) is rejected
with a reason; the bound is configurable. One 1e308 kWh used to make E and R infinite for the
whole province (and crashed the interval feature step)."""

import csv
import datetime as dt
import math

from fugong.index.ingest import MAX_KWH, ingest_readings
from fugong.index.service import compute_all, read_results
from fugong.index.compute import IndexParams, Window

from .conftest import write


def _reasons(summary):
    with open(summary.rejects_path, encoding="utf-8") as fh:
        return {int(r["row"]): r["reason"] for r in csv.DictReader(fh)}


def test_an_absurd_daily_reading_is_rejected_and_the_province_stays_finite(index_settings, tmp_path):
    base = "".join(f"{e},2019-12-{d:02d},100\n" for e in "AB" for d in range(1, 11))
    text = "enterprise_id,date,kwh\n" + base + "A,2020-02-10,1e308\nB,2020-02-10,inf\nB,2020-02-11,80\n"
    summary = ingest_readings(settings=index_settings, path=write(tmp_path, "d.csv", text))
    reasons = _reasons(summary)
    assert "implausible kWh" in reasons[21] and "non-numeric" in reasons[22]
    compute_all(settings=index_settings, period=Window(dt.date(2020, 2, 10), dt.date(2020, 2, 11)),
                params=IndexParams(baseline=Window(dt.date(2019, 12, 1), dt.date(2019, 12, 10))))
    for row in read_results(settings=index_settings, level="province").to_pylist():
        assert row["index"] is None or math.isfinite(row["index"])


def test_the_bound_follows_the_size_class_and_can_be_set(index_settings, tmp_path):
    # B is small (bound 5e5 by default), A is large (5e7).
    text = f"enterprise_id,date,kwh\nA,2020-02-10,{MAX_KWH['small'] * 2}\nB,2020-02-10,{MAX_KWH['small'] * 2}\n"
    summary = ingest_readings(settings=index_settings, path=write(tmp_path, "d.csv", text))
    assert (summary.accepted, summary.rejected) == (1, 1) and list(_reasons(summary)) == [2]
    stricter = ingest_readings(settings=index_settings, path=write(tmp_path, "e.csv", "enterprise_id,date,kwh\nE,2020-02-10,900\n"),
                               max_kwh={"large": 500})
    assert (stricter.accepted, stricter.rejected) == (0, 1)


def test_an_absurd_interval_reading_is_rejected_not_a_crash(index_settings, tmp_path):
    start = dt.datetime(2020, 2, 10)
    rows = [f"A,{(start + dt.timedelta(minutes=15 * i)).isoformat(sep=' ')},{1e308 if i == 5 else 2}" for i in range(96)]
    summary = ingest_readings(settings=index_settings, path=write(tmp_path, "i.csv", "enterprise_id,timestamp,kwh\n" + "\n".join(rows) + "\n"),
                              kind="interval")
    assert summary.rejected == 1 and "implausible kWh" in _reasons(summary)[6]
