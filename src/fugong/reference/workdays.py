"""Chinese working days, holidays and lunar new-year alignment.

Working days come from ``chinesecalendar`` (MIT; the State Council's yearly holiday notices,
including make-up workdays 调休上班 and the 2020 Spring Festival extension to 2 Feb 2020).
Regional delays are not in it: Zhejiang (and several other provinces) told enterprises not to
resume before 24:00 on 9 Feb 2020, so firms there restarted on Monday 10 Feb. Pass such a
regional ``Closure`` (``CLOSURES["zhejiang-2020"]``) where it applies.

Lunar new-year dates come from a table shipped here (1990–2050), computed at development time
with ``lunardate`` and cross-checked by a test; we do not import ``lunardate`` at run time
because it is GPL-3.0-or-later.

Year-over-year comparison across the Spring Festival (the electricity index compares 2020 with
"the same lunar period of 2019") aligns days on the lunar new year and, for working days, on the
count of working days since the new year:

    2020-02-03 = 1st working day after LNY 2020-01-25  →  2019-02-11 = 1st after LNY 2019-02-05
    2020-02-10 = LNY 2020 + 16 days                    →  2019-02-21 (calendar alignment)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar
from chinese_calendar.constants import Holiday

__all__ = [
    "CLOSURES",
    "CalendarRangeError",
    "Closure",
    "align_lunar",
    "holiday_name",
    "is_makeup_workday",
    "is_workday",
    "lunar_new_year",
    "same_period_last_year",
    "supported_years",
    "workdays",
]


class CalendarRangeError(ValueError):
    """A date outside the years the holiday data or the lunar new-year table covers."""


@dataclass(frozen=True)
class Closure:
    """A regional period without work (both ends included), on top of the national calendar."""

    start: date
    end: date
    name_zh: str
    name_en: str
    source: str

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


CLOSURES: dict[str, Closure] = {
    "zhejiang-2020": Closure(
        start=date(2020, 2, 3),
        end=date(2020, 2, 9),
        name_zh="延迟复工",
        name_en="Delayed resumption",
        source="浙江省新型冠状病毒肺炎疫情防控工作领导小组: 省内企业复工不早于2月9日24时 (Zhejiang, Feb 2020); "
        "several other provinces set the same date",
    ),
}

# Lunar new year (正月初一), Gregorian month and day, for 1990 + index. Computed with lunardate 0.3.0
# (tests/reference/test_lunar_alignment.py checks every entry against it).
_LNY_FIRST_YEAR = 1990
_LNY = (
    "0127 0215 0204 0123 0210 0131 0219 0207 0128 0216 "  # 1990–1999
    "0205 0124 0212 0201 0122 0209 0129 0218 0207 0126 "  # 2000–2009
    "0214 0203 0123 0210 0131 0219 0208 0128 0216 0205 "  # 2010–2019
    "0125 0212 0201 0122 0210 0129 0217 0206 0126 0213 "  # 2020–2029
    "0203 0123 0211 0131 0219 0208 0128 0215 0204 0124 "  # 2030–2039
    "0212 0201 0122 0210 0130 0217 0206 0126 0214 0202 "  # 2040–2049
    "0123"  # 2050
).split()
LUNAR_TABLE_YEARS = (_LNY_FIRST_YEAR, _LNY_FIRST_YEAR + len(_LNY) - 1)

_CHINESE_NAMES = {h.value: h.chinese for h in Holiday}


def supported_years() -> tuple[int, int]:
    """First and last year of chinesecalendar's holiday data (e.g. (2004, 2026) for 1.11.0)."""
    years = [d.year for d in chinese_calendar.constants.holidays]
    return min(years), max(years)


def _check_range(day: date) -> date:
    if not isinstance(day, date):
        raise TypeError(f"expected a datetime.date, got {type(day).__name__}")
    if isinstance(day, datetime):  # a timestamp counts as its calendar day
        day = day.date()
    first, last = supported_years()
    if not first <= day.year <= last:
        raise CalendarRangeError(
            f"日历数据不含 {day.isoformat()}: chinesecalendar covers {first}–{last} only; "
            f"{day.isoformat()} is outside (upgrade chinesecalendar for later years)"
        )
    return day


def is_workday(day: date, *, closures: tuple[Closure, ...] | list[Closure] = ()) -> bool:
    """True on a national working day (including make-up workdays) not inside a given closure."""
    day = _check_range(day)
    if any(c.covers(day) for c in closures):
        return False
    return chinese_calendar.is_workday(day)


def is_makeup_workday(day: date) -> bool:
    """True on a weekend day made a working day to bridge a holiday (调休上班), e.g. Sunday 2020-01-19."""
    day = _check_range(day)
    return day.weekday() >= 5 and chinese_calendar.is_workday(day)


def holiday_name(day: date, *, lang: str = "zh", closures: tuple[Closure, ...] | list[Closure] = ()) -> str | None:
    """The holiday's name on a public-holiday day ('春节' / 'Spring Festival'), a closure's name, else None.

    Ordinary weekends and make-up workdays have no holiday name.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    day = _check_range(day)
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    if on_holiday and name:
        return _CHINESE_NAMES.get(name, name) if lang == "zh" else name
    for closure in closures:
        if closure.covers(day):
            return closure.name_zh if lang == "zh" else closure.name_en
    return None


def workdays(start: date, end: date, *, closures: tuple[Closure, ...] | list[Closure] = ()) -> list[date]:
    """The working days from start to end, both included."""
    return [d for d in _days(start, end) if is_workday(d, closures=closures)]


def _days(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def lunar_new_year(year: int) -> date:
    """The Gregorian date of the lunar new year (春节, 正月初一) in ``year``: 2020 → 2020-01-25."""
    first, last = LUNAR_TABLE_YEARS
    if not first <= year <= last:
        raise CalendarRangeError(f"农历新年表不含 {year}: the lunar new-year table covers {first}–{last}")
    month_day = _LNY[year - first]
    return date(year, int(month_day[:2]), int(month_day[2:]))


def align_lunar(day: date, *, to_year: int) -> date:
    """The day with the same offset from ``to_year``'s lunar new year as ``day`` has from its own year's.

    The offset counts from the lunar new year of ``day``'s Gregorian year, so it is meant for the
    weeks around the Spring Festival: align_lunar(2020-02-10, to_year=2019) → 2019-02-21 (LNY + 16).
    """
    return lunar_new_year(to_year) + (day - lunar_new_year(day.year))


def _nearest_new_year(day: date) -> int:
    return min((day.year - 1, day.year, day.year + 1), key=lambda y: abs((lunar_new_year(y) - day).days))


def same_period_last_year(
    start: date,
    end: date,
    *,
    working_days: bool = True,
    anchor_year: int | None = None,
    closures: tuple[Closure, ...] | list[Closure] = (),
) -> list[tuple[date, date]]:
    """Pair each day of start..end with its day in the previous year, aligned on the lunar new year.

    The anchor is the lunar new year nearest the middle of the period (or ``anchor_year``'s); the
    comparison year's anchor is the previous lunar new year.

    working_days=False: the same number of calendar days from the anchor.
    working_days=True: the k-th working day after (or before) the anchor pairs with the k-th
    working day after (before) the previous anchor; rest days likewise pair with rest days, so
    holidays are compared with holidays and weekends with weekends. ``closures`` apply to both years.

        2020-02-03 (1st working day after 2020-01-25) → 2019-02-11 (1st after 2019-02-05)
    """
    days = _days(start, end)
    if anchor_year is None:
        anchor_year = _nearest_new_year(start + (end - start) / 2)
    anchor, previous = lunar_new_year(anchor_year), lunar_new_year(anchor_year - 1)
    if not working_days:
        return [(d, previous + (d - anchor)) for d in days]

    def kind(d: date) -> bool:
        return is_workday(d, closures=closures)

    # Signed ordinal of each day among the days of its kind: k >= 1 for the k-th in [anchor, d],
    # k <= -1 for the |k|-th counting back from anchor - 1 to d. One walk out from the anchor.
    ordinals: dict[date, tuple[bool, int]] = {}
    for direction, first, last in ((1, anchor, max(end, anchor)), (-1, anchor - timedelta(days=1), min(start, anchor))):
        counts = {True: 0, False: 0}
        cursor = first
        while (cursor <= last) if direction > 0 else (cursor >= last):
            working = kind(cursor)
            counts[working] += 1
            if start <= cursor <= end:
                ordinals[cursor] = (working, direction * counts[working])
            cursor += timedelta(days=direction)

    # The same walk in the comparison year, until every needed ordinal is found.
    wanted = set(ordinals.values())
    found: dict[tuple[bool, int], date] = {}
    for direction, first in ((1, previous), (-1, previous - timedelta(days=1))):
        need = {key for key in wanted if (key[1] > 0) == (direction > 0)}
        counts = {True: 0, False: 0}
        cursor = first
        while need:
            working = kind(cursor)
            counts[working] += 1
            key = (working, direction * counts[working])
            if key in need:
                found[key] = cursor
                need.discard(key)
            cursor += timedelta(days=direction)
    return [(d, found[ordinals[d]]) for d in days]
