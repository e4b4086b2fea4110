"""Interval readings: summed per Asia/Shanghai day, a day under 90 % of its intervals is not
reporting, timestamps mark the interval start, naive times read in --tz, and the daily load-shape
features (night/day ratio, flatness) are stored."""

import datetime as dt

import pyarrow.parquet as pq
import pytest

from fugong.index import store
from fugong.index.ingest import ingest_readings
from fugong.index.service import interval_features

from .conftest import write


def _day(eid, day, values, *, step=15, fmt=None):
    start = dt.datetime.combine(day, dt.time())
    rows = []
    for i, v in enumerate(values):
        ts = start + dt.timedelta(minutes=step * i)
        rows.append(f"{eid},{fmt(ts) if fmt else ts.isoformat(sep=' ')},{v}")
    return rows


def _stored(settings):
    return {(r["enterprise_id"], r["date"]): r["kwh"] for f in store.daily_files(settings) for r in pq.read_table(f).to_pylist()}


def test_complete_days_become_daily_kwh_and_incomplete_days_do_not_report(index_settings, tmp_path):
    d1, d2 = dt.date(2020, 2, 10), dt.date(2020, 2, 11)
    # A factory shape: 1 kWh per quarter hour at night (00-06), 4 in the day (08-18), 2 otherwise.
    shape = [1 if i < 24 else 4 if 32 <= i < 72 else 2 for i in range(96)]
    rows = _day("A", d1, shape) + _day("A", d2, [3] * 86)  # 86/96 = 89.6 % < 90 %
    path = write(tmp_path, "i.csv", "enterprise_id,timestamp,kwh\n" + "\n".join(rows) + "\n")
    summary = ingest_readings(settings=index_settings, path=path, kind="interval")
    assert summary.days_incomplete == 1
    stored = _stored(index_settings)
    assert stored == {("A", d1): float(sum(shape))}
    features = {(r["enterprise_id"], r["date"]): r for r in interval_features(settings=index_settings).to_pylist()}
    day = features[("A", d1)]
    assert (day["intervals"], day["expected"], day["completeness"]) == (96, 96, 1.0)
    assert day["night_day_ratio"] == pytest.approx(1 / 4)
    assert day["peak"] == 4.0
    mean = sum(shape) / 96
    cv = (sum((v - mean) ** 2 for v in shape) / 96) ** 0.5 / mean
    assert day["flatness"] == pytest.approx(cv)
    assert features[("A", d2)]["completeness"] == pytest.approx(86 / 96)


def test_utc_timestamps_are_summed_into_shanghai_days(index_settings, tmp_path):
    # Hourly readings of 1 kWh from 2020-02-09 16:00Z = 2020-02-10 00:00 Shanghai, for 24 hours.
    start = dt.datetime(2020, 2, 9, 16, tzinfo=dt.timezone.utc)
    rows = [f"B,{(start + dt.timedelta(hours=h)).isoformat()},1" for h in range(24)]
    ingest_readings(settings=index_settings, path=write(tmp_path, "u.csv", "enterprise_id,timestamp,kwh\n" + "\n".join(rows) + "\n"),
                    kind="interval")
    assert _stored(index_settings) == {("B", dt.date(2020, 2, 10)): 24.0}


def test_naive_timestamps_are_read_in_the_given_zone(index_settings, tmp_path):
    # Naive UTC hours 16:00 on 02-09 to 15:00 on 02-10 are one Shanghai day when --tz UTC.
    rows = _day("E", dt.date(2020, 2, 9), [1] * 8, step=60)[-8:]
    rows = [f"E,2020-02-09 {h:02d}:00:00,1" for h in range(16, 24)] + [f"E,2020-02-10 {h:02d}:00:00,1" for h in range(16)]
    ingest_readings(settings=index_settings, path=write(tmp_path, "n.csv", "enterprise_id,timestamp,kwh\n" + "\n".join(rows) + "\n"),
                    kind="interval", tz="UTC")
    assert _stored(index_settings) == {("E", dt.date(2020, 2, 10)): 24.0}


def test_re_ingesting_an_interval_file_changes_nothing(index_settings, tmp_path):
    rows = _day("A", dt.date(2020, 2, 10), [1] * 96)
    path = write(tmp_path, "i.csv", "enterprise_id,timestamp,kwh\n" + "\n".join(rows) + "\n")
    ingest_readings(settings=index_settings, path=path, kind="interval")
    again = ingest_readings(settings=index_settings, path=path, kind="interval")
    assert (again.accepted, again.duplicate, again.changed_dates) == (0, 96, [])


def test_an_instant_given_twice_is_one_reading_or_rejected_and_the_resolution_ignores_it(index_settings, tmp_path):
    """The search for an instant given twice runs only when a meter's own order shows a gap of 0;
    either way an exact repeat counts once, a conflicting one is rejected (both rows), and the
    meter's resolution (hourly here: 24 expected intervals) is that of the rows kept."""
    day = dt.date(2020, 2, 10)
    hourly = _day("B", day, [5] * 24, step=60)
    rows = hourly + [hourly[3], hourly[7].rsplit(",", 1)[0] + ",6"] + _day("A", day, [2] * 96)
    summary = ingest_readings(settings=index_settings, path=write(tmp_path, "i.csv", "enterprise_id,timestamp,kwh\n" + "\n".join(rows) + "\n"),
                              kind="interval")
    assert (summary.duplicate, summary.rejected, summary.days_incomplete) == (1, 2, 0)
    features = {(r["enterprise_id"], r["date"]): r for r in interval_features(settings=index_settings).to_pylist()}
    assert (features[("B", day)]["intervals"], features[("B", day)]["expected"]) == (23, 24)
    assert (features[("A", day)]["intervals"], features[("A", day)]["expected"]) == (96, 96)
    assert _stored(index_settings) == {("B", day): 5.0 * 23, ("A", day): 2.0 * 96}
    # The same meters without repeats: nothing searched for, the same resolution.
    again = ingest_readings(settings=index_settings, path=write(tmp_path, "j.csv", "enterprise_id,timestamp,kwh\n"
                                                                + "\n".join(_day("B", day + dt.timedelta(days=1), [5] * 24, step=60)) + "\n"),
                            kind="interval")
    assert (again.duplicate, again.rejected) == (0, 0)
    features = {(r["enterprise_id"], r["date"]): r for r in interval_features(settings=index_settings).to_pylist()}
    assert features[("B", day + dt.timedelta(days=1))]["expected"] == 24
