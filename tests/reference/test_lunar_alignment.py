"""Lunar new-year dates and year-over-year alignment on the lunar new year and on working days."""

from datetime import date, timedelta

import chinese_calendar
import pytest
from lunardate import LunarDate  # GPL-3.0-or-later: test-only cross-check, not imported by fugong

from fugong.reference import workdays as wd
from fugong.reference.workdays import CLOSURES, CalendarRangeError


@pytest.mark.parametrize(
    ("year", "new_year"),
    [(2019, date(2019, 2, 5)), (2020, date(2020, 1, 25)), (2021, date(2021, 2, 12)), (2000, date(2000, 2, 5))],
)
def test_it_knows_the_lunar_new_year(year, new_year):
    assert wd.lunar_new_year(year) == new_year


def test_the_shipped_table_matches_lunardate_for_every_year():
    first, last = wd.LUNAR_TABLE_YEARS
    assert (first, last) == (1990, 2050)
    for year in range(first, last + 1):
        solar = LunarDate(year, 1, 1).to_solar_date()
        assert wd.lunar_new_year(year) == solar, year


def test_each_lunar_new_year_falls_in_the_national_spring_festival_holiday():
    first, last = wd.supported_years()
    for year in range(first, last + 1):
        detail = chinese_calendar.get_holiday_detail(wd.lunar_new_year(year))
        assert detail == (True, "Spring Festival"), year


def test_years_outside_the_table_give_a_clear_error():
    with pytest.raises(CalendarRangeError, match="1990–2050"):
        wd.lunar_new_year(2051)


def test_align_lunar_keeps_the_offset_from_the_new_year():
    assert wd.align_lunar(date(2020, 2, 10), to_year=2019) == date(2019, 2, 21)  # new year + 16
    assert wd.align_lunar(date(2020, 1, 25), to_year=2019) == date(2019, 2, 5)  # the new year itself
    assert wd.align_lunar(date(2020, 1, 20), to_year=2019) == date(2019, 1, 31)  # 5 days before
    assert wd.align_lunar(date(2019, 2, 21), to_year=2020) == date(2020, 2, 10)


def test_the_first_working_day_after_the_2020_festival_pairs_with_the_first_of_2019():
    # 2020: holiday to Sun 2 Feb, back Mon 3 Feb. 2019: holiday 4–10 Feb, back Mon 11 Feb.
    assert wd.same_period_last_year(date(2020, 2, 3), date(2020, 2, 3)) == [(date(2020, 2, 3), date(2019, 2, 11))]


def test_the_sixth_working_day_pairs_with_the_sixth_not_with_the_calendar_day():
    # 2020-02-10 is the 6th working day after the new year (3,4,5,6,7,10 Feb); 2019's 6th is 18 Feb.
    pairs = dict(wd.same_period_last_year(date(2020, 2, 1), date(2020, 2, 29)))
    assert pairs[date(2020, 2, 10)] == date(2019, 2, 18)


def test_with_the_zhejiang_closure_10_february_2020_is_the_first_working_day():
    pairs = dict(wd.same_period_last_year(date(2020, 2, 10), date(2020, 2, 10), closures=[CLOSURES["zhejiang-2020"]]))
    assert pairs[date(2020, 2, 10)] == date(2019, 2, 11)


def test_working_days_pair_with_working_days_and_rest_days_with_rest_days():
    start, end = date(2020, 1, 1), date(2020, 3, 31)
    pairs = wd.same_period_last_year(start, end)
    assert [a for a, _ in pairs] == [start + timedelta(days=n) for n in range((end - start).days + 1)]
    for current, previous in pairs:
        assert wd.is_workday(current) == wd.is_workday(previous), (current, previous)
        assert previous < current


def test_the_spring_festival_days_pair_with_the_previous_festival():
    pairs = dict(wd.same_period_last_year(date(2020, 1, 24), date(2020, 1, 30)))
    assert [pairs[date(2020, 1, 24) + timedelta(days=n)] for n in range(7)] == [
        date(2019, 2, 4) + timedelta(days=n) for n in range(7)
    ]


def test_working_days_in_order_pair_with_working_days_in_order():
    pairs = wd.same_period_last_year(date(2020, 2, 3), date(2020, 3, 31))
    previous = [b for a, b in pairs if wd.is_workday(a)]
    assert previous == sorted(set(previous))
    assert previous == wd.workdays(previous[0], previous[-1])


def test_calendar_day_alignment_is_align_lunar():
    pairs = wd.same_period_last_year(date(2020, 1, 10), date(2020, 2, 29), working_days=False)
    assert all(b == wd.align_lunar(a, to_year=2019) for a, b in pairs)
    assert dict(pairs)[date(2020, 2, 10)] == date(2019, 2, 21)


def test_the_anchor_is_the_new_year_nearest_the_period():
    # December 2019 to March 2020 centres on the 2020 festival, so December 2019 pairs with late 2018.
    pairs = dict(wd.same_period_last_year(date(2019, 12, 2), date(2020, 3, 31), working_days=False))
    assert pairs[date(2019, 12, 2)] == date(2019, 2, 5) - (date(2020, 1, 25) - date(2019, 12, 2))


def test_an_explicit_anchor_year_is_used():
    pairs = dict(wd.same_period_last_year(date(2020, 6, 1), date(2020, 6, 1), working_days=False, anchor_year=2020))
    assert pairs[date(2020, 6, 1)] == wd.align_lunar(date(2020, 6, 1), to_year=2019)


def test_a_comparison_outside_the_holiday_data_gives_a_clear_error():
    with pytest.raises(CalendarRangeError):
        wd.same_period_last_year(date(2004, 2, 1), date(2004, 2, 10))
