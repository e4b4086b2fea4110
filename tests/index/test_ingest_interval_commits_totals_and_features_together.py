"""A crash in an interval ingest leaves daily totals and load-shape features both stored or both
absent (one manifest swap for both); before, the totals committed first and a kill between the two
commits left totals without features, which the rerun then saw as duplicates."""

import datetime as dt

import pytest

from fugong.index import store
from fugong.index.ingest import ingest_readings
from fugong.index.service import interval_features

from .conftest import write


def _file(tmp_path):
    start = dt.datetime(2020, 2, 10)
    rows = [f"A,{(start + dt.timedelta(minutes=15 * i)).isoformat(sep=' ')},{1 + i % 7}" for i in range(96)]
    return write(tmp_path, "load.csv", "enterprise_id,timestamp,kwh\n" + "\n".join(rows) + "\n")


@pytest.mark.parametrize("crash_at", [1, 2])
def test_a_crash_at_any_commit_point_leaves_totals_and_features_together(index_settings, tmp_path, monkeypatch, crash_at):
    calls = []

    def crash():
        calls.append(1)
        if len(calls) == crash_at:
            raise RuntimeError("simulated kill")

    monkeypatch.setattr(store, "before_commit", crash)
    path = _file(tmp_path)
    try:
        ingest_readings(settings=index_settings, path=path, kind="interval")
    except RuntimeError:
        pass
    totals = bool(store.daily_files(index_settings))
    features = interval_features(settings=index_settings) is not None
    assert totals == features

    monkeypatch.setattr(store, "before_commit", lambda: None)
    ingest_readings(settings=index_settings, path=path, kind="interval")  # the rerun completes it
    assert store.daily_files(index_settings) and interval_features(settings=index_settings).num_rows == 1
