"""Hot write paths queue on one lock per SQLite file, across processes (no busy-handler sleeps);
PostgreSQL writers need no queue."""

import subprocess
import sys
import textwrap
import time

from fugong.store.db import SQLiteWriteLock, connect, write_lock


def test_a_sqlite_file_has_one_write_lock_shared_by_its_engines(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    first, second = connect(url), connect(url)
    assert isinstance(write_lock(first), SQLiteWriteLock)
    assert write_lock(first) is write_lock(second)
    assert write_lock(connect(f"sqlite:///{tmp_path / 'b.db'}")) is not write_lock(first)


def test_postgresql_and_in_memory_sqlite_get_no_lock(tmp_path):
    from sqlalchemy import create_engine

    assert not isinstance(write_lock(connect("sqlite://")), SQLiteWriteLock)
    assert not isinstance(write_lock(create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")), SQLiteWriteLock)


def test_a_writer_in_another_process_makes_this_one_wait_until_it_is_done(tmp_path):
    database = tmp_path / "shared.db"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from fugong.store.db import connect, write_lock
        with write_lock(connect("sqlite:///{database}")):
            print("holding", flush=True)
            time.sleep(0.6)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with write_lock(connect(f"sqlite:///{database}")):
            waited = time.monotonic() - started
    finally:
        holder.wait(timeout=30)
    assert waited > 0.3  # it waited for the other process (which held the lock for 0.6 s)
