"""kill -9 of an ingest: before its manifest swap the store is as it was (its files are collected
later), after the swap its audit entries are written by the next writer, exactly once.
Audit entries live in the database: these run on SQLite and PostgreSQL."""

import os
import signal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fugong.index import store
from fugong.store.audit import AuditEntry
from fugong.store.db import connect

from .conftest import ENTERPRISES_CSV, write
from .store_processes import spawn, stored_rows, wait_for


@pytest.fixture
def store_settings(settings_env, db_url, monkeypatch):
    from fugong.config import get_settings
    from fugong.index.ingest import ingest_enterprises

    monkeypatch.setenv("FUGONG_DATABASE_URL", db_url)
    get_settings.cache_clear()
    settings = get_settings()
    path = settings_env.parent / "enterprises.csv"
    path.write_text(ENTERPRISES_CSV, encoding="utf-8")
    ingest_enterprises(settings=settings, path=path)
    return settings


def _kill_at(where: str, path, tmp_path):
    paused = tmp_path / f"paused-{where}"
    process = spawn("ingest", path, "daily", "--pause", where, "120", paused)
    wait_for(paused, process)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close(), process.stderr.close()


def _entries(settings, action: str) -> int:
    engine = connect(settings.resolved_database_url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))
    finally:
        engine.dispose()


def test_a_kill_before_the_manifest_swap_leaves_the_store_as_it_was(store_settings, tmp_path, monkeypatch):
    from fugong.index.ingest import ingest_readings

    ingest_readings(settings=store_settings, path=write(tmp_path, "d.csv", "enterprise_id,date,kwh\nA,2020-02-10,15\n"))
    before, version = stored_rows(store_settings), store.snapshot(store_settings).version
    killed = write(tmp_path, "killed.csv", "enterprise_id,date,kwh\nB,2020-02-10,59\nE,2020-03-02,7\n")
    _kill_at("before", killed, tmp_path)

    assert stored_rows(store_settings) == before and store.snapshot(store_settings).version == version
    root = store_settings.parquet_dir
    orphans = {p for p in root.glob("meters/daily/month=*/part-*.parquet")} - set(store.daily_files(store_settings))
    assert orphans  # the killed writer's parts, never listed
    with store.writing(store_settings, wait=False):  # the kernel released the dead writer's lock
        pass
    from fugong.config import get_settings

    monkeypatch.setenv("FUGONG_STORE_GRACE_SECONDS", "0")
    get_settings.cache_clear()
    summary = ingest_readings(settings=get_settings(), path=killed)  # the rerun stores it, and collects the orphans
    assert summary.accepted == 2
    assert not any(p.exists() for p in orphans)
    assert len(stored_rows(store_settings)) == 3


def test_a_kill_after_the_swap_gets_its_audit_entries_from_the_next_writer_once(store_settings, tmp_path):
    from fugong.index.ingest import ingest_readings

    _kill_at("after", write(tmp_path, "killed.csv", "enterprise_id,date,kwh\nB,2020-02-10,59\n"), tmp_path)
    assert stored_rows(store_settings) == [("B", "2020-02-10", 59.0)]  # the change is made …
    assert _entries(store_settings, "meter_readings.ingest_daily") == 0  # … its audit entry is in the journal
    assert store.snapshot(store_settings).pending_audit

    ingest_readings(settings=store_settings, path=write(tmp_path, "next.csv", "enterprise_id,date,kwh\nA,2020-02-10,15\n"))
    ingest_readings(settings=store_settings, path=write(tmp_path, "third.csv", "enterprise_id,date,kwh\nA,2020-02-11,15\n"))
    assert _entries(store_settings, "meter_readings.ingest_daily") == 3  # the killed one's, replayed once, and two
    assert _entries(store_settings, "index_store.commit") == 4  # with the enterprises of the fixture
