"""Shape the calibration did not target: the rise over working days, the county spread, the data's pitfalls."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow.parquet as pq

from fugong.demo import economy


def test_the_province_index_rises_across_the_working_days(province_index):
    import chinese_calendar

    rows = sorted(
        (r for r in province_index["province"] if dt.date(2020, 2, 10) <= r["date"] and chinese_calendar.is_workday(r["date"])),
        key=lambda r: r["date"],
    )
    assert len(rows) == 9  # 02-10..02-14, 02-17..02-20
    values = [r["index"] for r in rows]
    assert values == sorted(values)
    assert values[-1] - values[0] > 20


def test_the_index_was_low_before_the_restart_date(province_index):
    row = next(r for r in province_index["province"] if r["date"] == dt.date(2020, 2, 5))
    assert row["resumed_share"] < 10  # never-stopped plants and essential firms only


def test_wenzhou_counties_are_behind_zhoushan_counties_on_the_first_day(province_index):
    first = [r for r in province_index["county"] if r["date"] == dt.date(2020, 2, 10)]
    wenzhou = [r["index"] for r in first if r["code"].startswith(economy.WENZHOU)]
    zhoushan = [r["index"] for r in first if r["code"].startswith(economy.ZHOUSHAN)]
    assert len(wenzhou) == 12 and len(zhoushan) == 4
    assert max(wenzhou) < min(zhoushan)


def test_the_cities_spread_around_the_province(province_index):
    first = {r["code"]: r["index"] for r in province_index["city"] if r["date"] == dt.date(2020, 2, 10)}
    assert len(first) == 11
    assert min(first, key=first.get) == "330300"  # Wenzhou lowest
    assert max(first, key=first.get) == "330900"  # Zhoushan highest


def test_every_one_of_the_90_counties_has_enterprises(scenario):
    regions = pq.read_table(scenario.enterprises, columns=["region_code"])["region_code"].to_pylist()
    assert set(regions) == set(economy.zhejiang_counties())
    assert len(set(regions)) == 90


def test_missing_readings_are_absent_rows_not_zeros(scenario):
    days = 183
    count, zeros = duckdb.sql(
        f"SELECT count(*), count(*) FILTER (WHERE kwh = 0) FROM read_parquet('{scenario.daily}')"
    ).fetchone()
    missing = 1 - count / (scenario.enterprise_count * days)
    assert 0.01 < missing < 0.05
    # Zeros exist (fully switched-off micro firms) but are far fewer than the closed enterprise-days.
    assert 0 < zeros < 0.05 * count
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{scenario.daily}') WHERE kwh IS NULL OR isnan(kwh)").fetchone()[0] == 0


def test_never_stopped_plants_run_through_the_holiday(scenario):
    # The engine's never-stopped flag: mean kWh/B ≥ 0.9 over the holiday core 2020-01-25..02-09.
    share, found, false_found = duckdb.sql(
        f"""
        WITH b AS (SELECT enterprise_id, avg(kwh) AS b FROM read_parquet('{scenario.daily}')
                   WHERE date <= DATE '2019-12-31' GROUP BY 1),
             h AS (SELECT enterprise_id, avg(kwh) AS h FROM read_parquet('{scenario.daily}')
                   WHERE date BETWEEN DATE '2020-01-25' AND DATE '2020-02-09' GROUP BY 1),
             l AS (SELECT * FROM read_parquet('{scenario.labels}'))
        SELECT avg(l.never_stopped::INT),
               avg((h.h / b.b >= 0.9)::INT) FILTER (WHERE l.never_stopped),
               avg((h.h / b.b >= 0.9)::INT) FILTER (WHERE NOT l.never_stopped)
        FROM l JOIN b USING (enterprise_id) JOIN h USING (enterprise_id)
        """
    ).fetchone()
    assert 0.03 <= share <= 0.05
    assert found >= 0.97
    assert false_found <= 0.01


def test_the_daily_table_has_the_ingest_types(scenario):
    schema = pq.read_schema(scenario.daily)
    assert str(schema.field("date").type) == "date32[day]"
    assert str(schema.field("kwh").type) == "double"
    first, last = duckdb.sql(f"SELECT min(date), max(date) FROM read_parquet('{scenario.daily}')").fetchone()
    assert (first, last) == (dt.date(2019, 10, 1), dt.date(2020, 3, 31))
