"""Interval readings are summed into the calendar days of --day-tz. Where the zone keeps one UTC
offset over the file's span the local time is computed by adding it (ICU's conversion of every
reading was most of the step); across a daylight-saving change DuckDB's own conversion is used. Both
must give the wall-clock time the zone database gives."""

import datetime as dt
import zoneinfo

import duckdb
import pytest

from fugong.index.ingest import _local_time

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
