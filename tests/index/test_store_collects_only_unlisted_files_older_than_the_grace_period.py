"""Garbage collection deletes only files that no protected version lists and that are older than
the grace period: a killed writer's parts and ``.staging-*`` folders go, a reader's pinned version
and a writer's fresh files stay."""

import os
import time

from fugong.index import store

from .conftest import write


def _age(path, seconds):
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_old_orphans_and_staging_folders_are_removed_and_fresh_ones_kept(index_settings, tmp_path):
    from fugong.index.ingest import ingest_readings

    ingest_readings(settings=index_settings, path=write(tmp_path, "d.csv", "enterprise_id,date,kwh\nA,2020-02-10,15\n"))
    root = index_settings.parquet_dir
    month = root / "meters/daily/month=2020-02"
    old_orphan, fresh_orphan = month / "part-old.parquet", month / "part-fresh.parquet"
    old_orphan.write_bytes(b"x"), fresh_orphan.write_bytes(b"x")
    old_staging, fresh_staging = root / "meters/daily/.staging-old", root / "meters/daily/.staging-fresh"
    (old_staging / "month=202002").mkdir(parents=True), fresh_staging.mkdir()
    for path in (old_orphan, old_staging):
        _age(path, 3600)

    removed = store.collect_garbage(index_settings)

    assert not old_orphan.exists() and not old_staging.exists()
    assert fresh_orphan.exists() and fresh_staging.exists()
    assert all(p.exists() for p in store.daily_files(index_settings))
    assert sorted(removed) == ["meters/daily/.staging-old", "meters/daily/month=2020-02/part-old.parquet"]


def test_a_pinned_version_keeps_its_files_after_newer_commits(index_settings, tmp_path, monkeypatch):
    from fugong.index.ingest import ingest_readings

    monkeypatch.setattr(store, "grace_seconds", lambda _settings: 0.0)
    ingest_readings(settings=index_settings, path=write(tmp_path, "a.csv", "enterprise_id,date,kwh\nA,2020-02-10,15\n"))
    # Replaced readings: the month is rewritten, so every newer version lists other files than ``snap``
    # (new readings alone are added as one more part beside the listed ones).
    with store.reading(index_settings) as snap:
        ingest_readings(settings=index_settings, path=write(tmp_path, "b.csv", "enterprise_id,date,kwh\nA,2020-02-10,16\n"), replace=True)
        ingest_readings(settings=index_settings, path=write(tmp_path, "c.csv", "enterprise_id,date,kwh\nA,2020-02-10,17\n"), replace=True)
        assert all(p.exists() for p in snap.files("daily"))  # pinned: kept although superseded
    ingest_readings(settings=index_settings, path=write(tmp_path, "e.csv", "enterprise_id,date,kwh\nA,2020-02-10,18\n"), replace=True)
    assert not any(p.exists() for p in snap.files("daily"))  # unpinned and superseded: collected
