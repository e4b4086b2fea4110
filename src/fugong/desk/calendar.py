"""Working-day arithmetic for due dates and escalation (the national calendar of reference/workdays.py).

    add_workdays(2020-02-21 (Fri), 2) → 2020-02-25 (Tue)      weekends skipped
    add_workdays(2020-09-30, 1)       → 2020-10-09            National Day week and its make-up days

Outside the years the holiday data covers, Monday–Friday stand in for working days (so a deployment
keeps working in a year the calendar package does not know yet); ``workdays_between`` does the same.
"""

from __future__ import annotations

import datetime as dt

from fugong.reference.workdays import CLOSURES, CalendarRangeError, is_workday


def _is_workday(day: dt.date, closures) -> bool:
    try:
        return is_workday(day, closures=closures)
    except CalendarRangeError:
        return day.weekday() < 5


def closures_of(names) -> tuple:
    return tuple(CLOSURES[name] for name in names)


def add_workdays(start: dt.date, count: int, *, closures=()) -> dt.date:
    """The ``count``-th working day after ``start`` (``start`` itself when count is 0)."""
    day = start
    while count > 0:
        day += dt.timedelta(days=1)
        if _is_workday(day, closures):
            count -= 1
    return day


def subtract_workdays(start: dt.date, count: int, *, closures=()) -> dt.date:
    """The ``count``-th working day before ``start``."""
    day = start
    while count > 0:
        day -= dt.timedelta(days=1)
        if _is_workday(day, closures):
            count -= 1
    return day


def workdays_between(start: dt.date, end: dt.date, *, closures=()) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when end is before start)."""
    if end < start:
        return -workdays_between(end, start, closures=closures)
    return sum(1 for n in range(1, (end - start).days + 1)
               if _is_workday(start + dt.timedelta(days=n), closures))
