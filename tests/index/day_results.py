"""The February fixture of the one-day tests and a comparison of the files a run writes for a day."""

import datetime as dt

import pyarrow.parquet as pq
import pytest

from fugong.index.compute import LEVELS, Window
from fugong.index.ingest import ingest_readings
from fugong.index.service import enterprise_days_dir, results_dir

from .conftest import write

PERIOD = Window(dt.date(2020, 2, 3), dt.date(2020, 2, 20))
BASELINE = Window(dt.date(2019, 12, 1), dt.date(2019, 12, 30))
NEW_DAY = dt.date(2020, 2, 17)


def store_february(settings, tmp_path, *, last_day: int = 16):
    """Four firms A, B, E, F: December 1–30 (the baseline) and February 3 to ``last_day``."""
    lines = []
    for n, firm in enumerate("ABEF"):
        for day in range(1, 31):
            lines.append(f"{firm},2019-12-{day:02d},{100 + 10 * n + (day % 5) * 3}")
        for day in range(3, last_day + 1):
            lines.append(f"{firm},2020-02-{day:02d},{(20 + 9 * n) * (1 + (day % 4))}")
    ingest_readings(settings=settings, path=write(tmp_path, "d.csv", "enterprise_id,date,kwh\n" + "\n".join(lines) + "\n"))


def new_day(settings, tmp_path):
    text = "enterprise_id,date,kwh\nA,2020-02-17,95\nB,2020-02-17,20\nE,2020-02-17,130\nF,2020-02-17,0\n"
    summary = ingest_readings(settings=settings, path=write(tmp_path, "new.csv", text))
    assert summary.changed_dates == [NEW_DAY]


def files_of(settings, day):
    """{name: pyarrow table} of every file a run writes for ``day``."""
    root = results_dir(settings)
    paths = {level: root / f"level={level}" / f"date={day.isoformat()}" / "part-0.parquet" for level in LEVELS}
    paths["enterprise_days"] = enterprise_days_dir(settings) / f"date={day.isoformat()}" / "part-0.parquet"
    return {name: pq.read_table(path) for name, path in paths.items()}


def assert_same(mine, theirs):
    for name in theirs:
        a, b = mine[name], theirs[name]
        assert a.schema.remove_metadata() == b.schema.remove_metadata(), name
        key = "code" if "code" in a.column_names else "enterprise_id"
        a, b = a.sort_by(key).to_pylist(), b.sort_by(key).to_pylist()
        assert len(a) == len(b) > 0, name
        for row_a, row_b in zip(a, b):
            for column, value in row_b.items():
                if isinstance(value, float):
                    assert row_a[column] == pytest.approx(value, rel=1e-12), (name, column)
                else:
                    assert row_a[column] == value, (name, column)
