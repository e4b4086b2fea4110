"""Chinese working days and holidays (chinesecalendar): Feb 2020, the extension, make-up days, National Day."""

from datetime import date, timedelta

import pytest

from fugong.reference import workdays as wd
from fugong.reference.workdays import CLOSURES, CalendarRangeError

ZHEJIANG = [CLOSURES["zhejiang-2020"]]


def test_the_first_weekend_of_february_2020_was_the_extended_spring_festival():
    for day in (date(2020, 2, 1), date(2020, 2, 2)):
        assert not wd.is_workday(day)
        assert wd.holiday_name(day) == "春节"
        assert wd.holiday_name(day, lang="en") == "Spring Festival"


def test_the_national_extension_covered_friday_31_january():
    assert not wd.is_workday(date(2020, 1, 31))
    assert wd.holiday_name(date(2020, 1, 31)) == "春节"


def test_saturday_1_february_2020_is_no_longer_a_make_up_workday():
    # The original notice made it a working day; the extension cancelled that.
    assert not wd.is_makeup_workday(date(2020, 2, 1))


def test_monday_3_february_2020_is_a_working_day_by_the_national_calendar():
    assert wd.is_workday(date(2020, 2, 3))
    assert wd.holiday_name(date(2020, 2, 3)) is None


def test_february_2020_weekends_are_rest_days_without_a_holiday_name():
    for day in (date(2020, 2, 8), date(2020, 2, 9), date(2020, 2, 15), date(2020, 2, 29)):
        assert not wd.is_workday(day)
        assert wd.holiday_name(day) is None


def test_february_2020_has_20_national_working_days():
    # Mon–Fri from 3 Feb: 3–7, 10–14, 17–21, 24–28
    expected = [date(2020, 2, d) for d in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 17, 18, 19, 20, 21, 24, 25, 26, 27, 28)]
    assert wd.workdays(date(2020, 2, 1), date(2020, 2, 29)) == expected


def test_zhejiang_firms_did_not_resume_before_10_february_2020():
    feb = wd.workdays(date(2020, 2, 1), date(2020, 2, 29), closures=ZHEJIANG)
    assert feb[0] == date(2020, 2, 10)
    assert len(feb) == 15
    assert wd.holiday_name(date(2020, 2, 5), closures=ZHEJIANG) == "延迟复工"
    assert wd.holiday_name(date(2020, 2, 5), lang="en", closures=ZHEJIANG) == "Delayed resumption"


def test_sunday_19_january_2020_was_a_make_up_workday():
    day = date(2020, 1, 19)
    assert day.weekday() == 6
    assert wd.is_workday(day)
    assert wd.is_makeup_workday(day)
    assert wd.holiday_name(day) is None


def test_an_ordinary_weekday_is_not_a_make_up_workday():
    assert not wd.is_makeup_workday(date(2020, 1, 20))


def test_the_2019_national_day_week_is_inside_q4():
    for n in range(7):
        day = date(2019, 10, 1) + timedelta(days=n)
        assert not wd.is_workday(day)
        assert wd.holiday_name(day) == "国庆节"
    assert wd.is_makeup_workday(date(2019, 9, 29)) and wd.is_makeup_workday(date(2019, 10, 12))


def test_q4_2019_has_62_working_days():
    # Oct: 23 weekdays - 5 holiday weekdays + Sat 12 Oct = 19; Nov: 21; Dec: 22
    assert len(wd.workdays(date(2019, 10, 1), date(2019, 12, 31))) == 62


@pytest.mark.parametrize("day", [date(2003, 12, 31), date(wd.supported_years()[1] + 1, 1, 1)])
def test_dates_outside_the_holiday_data_give_a_clear_error(day):
    first, last = wd.supported_years()
    with pytest.raises(CalendarRangeError, match=f"{first}–{last}"):
        wd.is_workday(day)


def test_the_range_error_is_a_value_error_naming_the_date():
    with pytest.raises(ValueError, match="2003-06-01"):
        wd.holiday_name(date(2003, 6, 1))


def test_workdays_rejects_an_end_before_the_start():
    with pytest.raises(ValueError, match="before"):
        wd.workdays(date(2020, 2, 2), date(2020, 2, 1))


def test_holiday_name_rejects_an_unknown_language():
    with pytest.raises(ValueError, match="lang"):
        wd.holiday_name(date(2020, 1, 25), lang="fr")


def test_a_timestamp_counts_as_its_calendar_day():
    from datetime import datetime

    assert not wd.is_workday(datetime(2020, 2, 1, 9, 30), closures=ZHEJIANG)
    assert wd.holiday_name(datetime(2020, 2, 5, 9, 30), closures=ZHEJIANG) == "延迟复工"
