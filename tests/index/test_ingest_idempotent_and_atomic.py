"""Re-ingesting a file changes nothing; a crash before the commit leaves the store as it was."""

import pyarrow.parquet as pq
import pytest

from fugong.index import store
from fugong.index.ingest import ingest_readings

from .conftest import write

DAILY = "enterprise_id,date,kwh\nA,2019-12-02,100\nA,2020-02-10,15\nB,2020-02-10,59\n"


def _snapshot(settings):
    files = store.daily_files(settings)
    rows = sorted(tuple(r.values()) for f in files for r in pq.read_table(f).to_pylist())
    return [f.name for f in files], rows


def test_re_ingesting_the_same_file_changes_nothing(index_settings, tmp_path):
    path = write(tmp_path, "d.csv", DAILY)
    first = ingest_readings(settings=index_settings, path=path)
    before = _snapshot(index_settings)
    again = ingest_readings(settings=index_settings, path=path)
    assert first.accepted == 3
    assert (again.accepted, again.rejected, again.duplicate, again.changed_dates) == (0, 0, 3, [])
    assert _snapshot(index_settings) == before  # same files, same rows


def test_a_crash_before_the_commit_leaves_the_store_as_it_was(index_settings, tmp_path, monkeypatch):
    ingest_readings(settings=index_settings, path=write(tmp_path, "d.csv", DAILY))
    before = _snapshot(index_settings)

    def crash():
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(store, "before_commit", crash)
    more = "enterprise_id,date,kwh\nB,2019-12-02,200\nE,2020-03-02,7\n"  # touches two months
    with pytest.raises(RuntimeError):
        ingest_readings(settings=index_settings, path=write(tmp_path, "more.csv", more))
    assert _snapshot(index_settings) == before
    monkeypatch.undo()
    summary = ingest_readings(settings=index_settings, path=write(tmp_path, "more.csv", more))
    assert summary.accepted == 2
    assert len(_snapshot(index_settings)[1]) == 5


def test_replace_overwrites_and_audits(index_settings, tmp_path):
    from sqlalchemy.orm import Session

    from fugong.store.audit import history
    from fugong.store.db import connect, upgrade

    engine = connect(index_settings.resolved_database_url)
    upgrade(engine)
    ingest_readings(settings=index_settings, path=write(tmp_path, "d.csv", DAILY))
    summary = ingest_readings(settings=index_settings, path=write(tmp_path, "fix.csv", "enterprise_id,date,kwh\nA,2020-02-10,16\n"),
                              replace=True, actor="analyst:test")
    assert (summary.accepted, summary.replaced, summary.rejected) == (1, 1, 0)
    rows = dict(((r[0], r[1].isoformat()), r[2]) for r in _snapshot(index_settings)[1])
    assert rows[("A", "2020-02-10")] == 16.0
    with Session(engine) as session:
        entries = history(session, entity="meter_reading", entity_id="A/2020-02-10")
    assert [(e.before, e.after, e.actor) for e in entries] == [({"kwh": 15.0}, {"kwh": 16.0}, "analyst:test")]


def test_it_reads_gbk_csv_files(index_settings, tmp_path):
    path = write(tmp_path, "gbk.csv", "企业编号,日期,电量\nA,2020-02-10,15\n", encoding="gbk")
    summary = ingest_readings(settings=index_settings, path=path)
    assert summary.accepted == 1
