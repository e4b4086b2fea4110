"""Interval readings are summed into the calendar days of --day-tz. Where the zone keeps one UTC
offset over the file's span the local time is computed by adding it (ICU's conversion of every
reading was most of the step); across a daylight-saving change DuckDB's own conversion is used. Both
must give the wall-clock time the zone database gives. The other way (a naive Parquet timestamp is a
wall-clock time in --tz) likewise: the offset subtracted as a number, exact to the microsecond."""

import datetime as dt
import zoneinfo

import random

import duckdb
import pytest

from fugong.index.ingest import _instant, _local_time

UTC = dt.timezone.utc


@pytest.mark.parametrize("zone, start, hours", [
    ("Asia/Shanghai", dt.datetime(2020, 2, 9, 12, tzinfo=UTC), 24 * 60),  # one offset: added as a number
    ("Europe/London", dt.datetime(2020, 3, 28, 0, tzinfo=UTC), 72),  # BST begins 2020-03-29 01:00 UTC
    ("America/New_York", dt.datetime(2019, 11, 2, 0, tzinfo=UTC), 72),  # EST again 2019-11-03 06:00 UTC
])
def test_the_local_time_of_every_reading_is_the_zone_databases(zone, start, hours):
    instants = [start + dt.timedelta(minutes=15 * n) for n in range(hours * 4)]
    sql = _local_time("ts", zone, instants[0], instants[-1])
    assert ("make_timestamp" in sql) == (zone == "Asia/Shanghai")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE t (ts TIMESTAMPTZ)")
    con.executemany("INSERT INTO t VALUES (?)", [[i] for i in instants])
    got = [row[0] for row in con.execute(f"SELECT {sql} FROM t ORDER BY ts").fetchall()]
    tz = zoneinfo.ZoneInfo(zone)
    assert got == [i.astimezone(tz).replace(tzinfo=None) for i in instants]


def _wall_clock_times(start: dt.datetime, end: dt.datetime, count: int) -> list[dt.datetime]:
    """``count`` naive times between start and end at random microseconds, away from 00:00–04:00 (a
    time a daylight-saving change skips or repeats has no one instant to compare with)."""
    rng = random.Random(20200210)
    span = int((end - start).total_seconds() * 1_000_000)
    times = [start + dt.timedelta(microseconds=rng.randrange(span)) for _ in range(count)]
    return [t if t.hour >= 4 else t.replace(hour=t.hour + 12) for t in times]


@pytest.mark.parametrize("zone, start, end, fixed", [
    ("Asia/Shanghai", dt.datetime(1992, 1, 1), dt.datetime(2099, 12, 30), True),  # one offset since 1991: a number
    ("Asia/Shanghai", dt.datetime(1990, 1, 1), dt.datetime(1992, 12, 30), False),  # its summer time until 1991
    ("America/New_York", dt.datetime(2020, 4, 1), dt.datetime(2020, 10, 30), True),  # all of it EDT
    ("America/New_York", dt.datetime(2019, 10, 20), dt.datetime(2019, 11, 20), False),  # EST again on 2019-11-03
])
def test_a_naive_time_is_the_instant_the_zone_database_gives_to_the_microsecond(zone, start, end, fixed):
    times = _wall_clock_times(start, end, 20_000)
    sql = _instant("ts", zone, min(times), max(times))
    assert ("to_timestamp" in sql) == fixed
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE t (n INTEGER, ts TIMESTAMP)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(times)))
    got = [row[0] for row in con.execute(f"SELECT {sql} FROM t ORDER BY n").fetchall()]
    tz = zoneinfo.ZoneInfo(zone)
    assert got == [t.replace(tzinfo=tz).astimezone(UTC) for t in times]


def test_a_span_reaching_outside_the_accepted_years_is_converted_by_the_zone_database():
    # Its rows are refused as out of range; the exact conversion keeps the reason the same.
    assert "timezone(" in _instant("ts", "Asia/Shanghai", dt.datetime(1989, 12, 31, 20), dt.datetime(2020, 1, 1))
    assert "timezone(" in _instant("ts", "Asia/Shanghai", None, None)
