"""Every day's per-enterprise file holds every row the totals count, however DuckDB splits a day while
writing: with more days than it keeps files open (100 by default; a six-month run has 183) it starts
another file for a day it had to close, and only one file per day used to be kept."""

import datetime as dt

import pyarrow.parquet as pq

from fugong.index import service
from fugong.index.compute import IndexParams, Window
from fugong.index.ingest import ingest_readings
from fugong.index.service import compute_all, enterprise_days_dir, read_results

from .conftest import write

PERIOD = Window(dt.date(2020, 2, 1), dt.date(2020, 2, 29))



def _two_files_a_day(execute, select, staging):
    """What DuckDB does with more days than open files, or with a file per thread: each day in two files."""
    for half in (0, 1):
        execute(f"""COPY (SELECT * FROM ({select}) WHERE hash(enterprise_id) % 2 = {half}) TO '{staging}'
                    (FORMAT PARQUET, PARTITION_BY (day), FILENAME_PATTERN 'half{half}_{{i}}', OVERWRITE_OR_IGNORE)""")


def test_a_day_written_in_several_files_keeps_every_row(index_settings, tmp_path, monkeypatch):
    lines = [f"{firm},2019-12-{day:02d},100" for firm in "ABEF" for day in range(1, 31)]
    lines += [f"{firm},2020-02-{day:02d},{(n * 7 + day) % 90}" for n, firm in enumerate("ABEF") for day in range(1, 30)]
    ingest_readings(settings=index_settings, path=write(tmp_path, "d.csv", "enterprise_id,date,kwh\n" + "\n".join(lines) + "\n"))
    monkeypatch.setattr(service, "_partitioned_copy", _two_files_a_day)
    compute_all(settings=index_settings, period=PERIOD, params=IndexParams(baseline=Window(dt.date(2019, 12, 1), dt.date(2019, 12, 30))))

    provinces = read_results(settings=index_settings, level="province").to_pylist()
    assert len(provinces) == 29
    for row in provinces:
        days = pq.read_table(enterprise_days_dir(index_settings) / f"date={row['date'].isoformat()}" / "part-0.parquet")
        assert len(days) == row["reporting"] == 4
        assert sorted(days["enterprise_id"].to_pylist()) == ["A", "B", "E", "F"]
        assert sum(days["resumed"].to_pylist()) == row["resumed"]
        assert days["county"].to_pylist() == sorted(days["county"].to_pylist())  # grouped by county, as written
    assert not list(enterprise_days_dir(index_settings).glob(".staging-*"))



WITHIN_A_LOW_FILE_LIMIT = """
import resource, sys, tempfile
from pathlib import Path
import duckdb
from fugong.index.service import copy_enterprise_days
resource.setrlimit(resource.RLIMIT_NOFILE, (256, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
folder = Path(sys.argv[1]); folder.mkdir(parents=True)
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")  # a slow machine would print DuckDB's bar to stdout
rows = '''SELECT 'E' || (i % 2000) AS enterprise_id, CAST(330100 + (i // 400) % 7 AS VARCHAR) AS county,
                 DATE '2019-01-01' + CAST(i % 400 AS INTEGER) AS date, 1.0 AS kwh, 2.0 AS baseline, 0.0 AS baseload,
                 0.6 AS threshold, 1 AS resumed, 0.5 AS ratio FROM range(800000) t(i)'''
copy_enterprise_days(con.execute, rows, folder)
counts = con.execute(f"SELECT count(*), count(DISTINCT filename), min(n), max(n) FROM (SELECT filename, count(*) AS n FROM read_parquet('{folder}/date=*/part-0.parquet', filename = true) GROUP BY filename)").fetchone()
print(*counts)
"""


def test_more_days_than_the_process_may_open_files_are_written_whole(tmp_path):
    """400 days with a limit of 256 open files: DuckDB is asked to keep no more open than it may, and
    the days it had to split are merged (with one file open per day the COPY failed: too many open files)."""
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", WITHIN_A_LOW_FILE_LIMIT, str(tmp_path / "days")], capture_output=True,
                          text=True, timeout=300, env={**os.environ})
    assert done.returncode == 0, done.stderr[-2000:]
    groups, files, smallest, largest = done.stdout.strip().splitlines()[-1].split()
    assert (groups, files, smallest, largest) == ("400", "400", "2000", "2000")
