"""Two ingests at once, in two processes, touching the same month: both files' rows are stored.

Before the writers' lock, the second writer's commit deleted the first one's part files (written but
not yet listed) and the first one's commit then dropped the second one's month: rows were lost and
the manifest listed a file that was gone.
"""

from fugong.index import store

from .conftest import write
from .store_processes import finish, spawn, stored_rows, wait_for


def test_two_ingests_at_once_keep_the_rows_of_both(index_settings, tmp_path):
    a = write(tmp_path, "a.csv", "enterprise_id,date,kwh\nA,2020-02-10,15\nA,2020-02-11,16\n")
    b = write(tmp_path, "b.csv", "enterprise_id,date,kwh\nB,2020-02-10,59\nB,2020-02-12,60\n")
    paused = tmp_path / "first-is-committing"
    first = spawn("ingest", a, "daily", "--pause", "before", "3", paused)
    wait_for(paused, first)  # the first writer has written its parts and is about to swap the manifest
    second = spawn("ingest", b, "daily")
    finish(first), finish(second)

    assert stored_rows(index_settings) == [
        ("A", "2020-02-10", 15.0), ("A", "2020-02-11", 16.0), ("B", "2020-02-10", 59.0), ("B", "2020-02-12", 60.0)]
    snap = store.snapshot(index_settings)
    assert all(path.exists() for path in snap.files("daily"))
    assert snap.version == 3  # enterprises, then one commit per ingest: nothing was overwritten


def test_a_writer_that_asks_not_to_wait_is_told_the_store_is_busy(index_settings, tmp_path):
    import pytest

    a = write(tmp_path, "a.csv", "enterprise_id,date,kwh\nA,2020-02-10,15\n")
    paused = tmp_path / "paused"
    first = spawn("ingest", a, "daily", "--pause", "before", "3", paused)
    wait_for(paused, first)
    with pytest.raises(store.StoreBusy, match="another ingest is writing"):
        with store.writing(index_settings, wait=False):
            pass
    finish(first)
    with store.writing(index_settings, wait=False) as txn:  # free again
        assert txn.base.version == 2
