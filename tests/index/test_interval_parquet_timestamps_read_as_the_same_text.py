"""A Parquet interval file with a typed timestamp column is read without parsing text, and gives what
the same readings written as text give: a naive time is local time in --tz, an aware one is the
instant it names; a missing timestamp is rejected by row, with its reason."""

import csv
import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

from fugong.index import store
from fugong.index.ingest import ingest_readings
from fugong.index.service import interval_features

from .conftest import ENTERPRISES_CSV, write

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _readings():
    """Two days of 15-min readings of A (the second one incomplete) and one hour-long day of B."""
    rows = []
    for day, count in ((dt.date(2020, 2, 10), 96), (dt.date(2020, 2, 11), 80)):
        start = dt.datetime.combine(day, dt.time())
        rows += [("A", start + dt.timedelta(minutes=15 * i), 1.0 + (i % 7)) for i in range(count)]
    rows += [("B", dt.datetime(2020, 2, 10) + dt.timedelta(hours=h), 2.5) for h in range(24)]
    return rows


def _state(settings):
    daily = sorted((r["enterprise_id"], r["date"], r["kwh"]) for f in store.daily_files(settings) for r in pq.read_table(f).to_pylist())
    features = sorted((r["enterprise_id"], r["date"], r["intervals"], r["expected"], round(r["night_day_ratio"] or 0, 9))
                      for r in interval_features(settings=settings).to_pylist())
    return daily, features


def _store(tmp_path, monkeypatch, name):
    """Settings on a data folder of its own, with the enterprises of ``conftest`` stored."""
    from fugong.config import get_settings
    from fugong.index.ingest import ingest_enterprises

    monkeypatch.setenv("FUGONG_DATA_DIR", str(tmp_path / name))
    get_settings.cache_clear()
    settings = get_settings()
    ingest_enterprises(settings=settings, path=write(tmp_path, f"{name}-enterprises.csv", ENTERPRISES_CSV))
    return settings


def test_naive_and_aware_timestamp_columns_give_what_the_text_gives(settings_env, tmp_path, monkeypatch):
    rows = _readings()
    text = write(tmp_path, "i.csv", "enterprise_id,timestamp,kwh\n" + "".join(f"{e},{t.isoformat(sep=' ')},{k}\n" for e, t, k in rows))
    naive = tmp_path / "naive.parquet"
    pq.write_table(pa.table({"enterprise_id": [r[0] for r in rows], "timestamp": pa.array([r[1] for r in rows], pa.timestamp("ms")),
                             "kwh": [r[2] for r in rows]}), naive)
    aware = tmp_path / "aware.parquet"  # the same instants in UTC
    pq.write_table(pa.table({"enterprise_id": [r[0] for r in rows],
                             "timestamp": pa.array([r[1].replace(tzinfo=SHANGHAI).astimezone(dt.timezone.utc) for r in rows],
                                                   pa.timestamp("us", tz="UTC")),
                             "kwh": [r[2] for r in rows]}), aware)
    states = {}
    for name, path in (("text", text), ("naive", naive), ("aware", aware)):
        settings = _store(tmp_path, monkeypatch, name)
        summary = ingest_readings(settings=settings, path=path, kind="interval")
        assert (summary.rows, summary.rejected, summary.days_incomplete) == (len(rows), 0, 1), name
        states[name] = _state(settings)
    assert states["naive"] == states["text"] == states["aware"]
    assert [d[:2] for d in states["text"][0]] == [("A", dt.date(2020, 2, 10)), ("B", dt.date(2020, 2, 10))]


def test_a_missing_timestamp_is_rejected_by_row(index_settings, tmp_path):
    rows = _readings()
    stamps = [r[1] for r in rows]
    stamps[5] = None
    path = tmp_path / "gap.parquet"
    pq.write_table(pa.table({"enterprise_id": [r[0] for r in rows], "timestamp": pa.array(stamps, pa.timestamp("ms")),
                             "kwh": [r[2] for r in rows]}), path)
    summary = ingest_readings(settings=index_settings, path=path, kind="interval")
    assert summary.rejected == 1
    with open(summary.rejects_path, encoding="utf-8") as fh:
        (reject,) = list(csv.DictReader(fh))
    assert (reject["row"], reject["field"], reject["reason"].split(" 缺")[0]) == ("6", "timestamp", "missing timestamp")
