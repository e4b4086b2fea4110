"""A cumulative count that goes down is raised to the highest earlier value, and every repair is listed."""

import datetime as dt

from fugong.risk.cases import prepare
from tests.risk.conftest import frame


def rows(values, code="330110"):
    first = dt.date(2020, 2, 1)
    return frame([{"region_code": code, "date": first + dt.timedelta(days=i), "cumulative_confirmed": v}
                  for i, v in enumerate(values)])


def test_daily_new_counts_come_from_cumulative_counts_the_first_report_counting_in_full():
    daily = prepare(rows([3, 5, 5, 9]), population_of=None).daily
    county = daily[daily.region_code == "330110"]
    assert county["new_confirmed"].tolist() == [3, 2, 0, 4]


def test_a_dip_is_raised_and_reported_and_no_new_count_is_negative():
    prepared = prepare(rows([3, 5, 4, 6]), population_of=None)
    county = prepared.daily[prepared.daily.region_code == "330110"]
    assert county["cumulative_confirmed"].tolist() == [3, 5, 5, 6]
    assert county["new_confirmed"].tolist() == [3, 2, 0, 1]
    assert [(r.region_code, r.date, r.reported, r.repaired) for r in prepared.repairs] == [
        ("330110", dt.date(2020, 2, 3), 4.0, 5.0)]


def test_a_lasting_drop_is_repaired_on_every_day_until_the_count_passes_the_old_maximum():
    prepared = prepare(rows([10, 8, 8, 11]), population_of=None)
    assert [r.date.day for r in prepared.repairs] == [2, 3]
    county = prepared.daily[prepared.daily.region_code == "330110"]
    assert county["new_confirmed"].sum() == 11


def test_a_day_without_report_is_not_a_zero_but_marked_unreported():
    data = frame([{"region_code": "330110", "date": dt.date(2020, 2, 1), "cumulative_confirmed": 2},
                  {"region_code": "330110", "date": dt.date(2020, 2, 3), "cumulative_confirmed": 5}])
    county = prepare(data, population_of=None).daily.query("region_code == '330110'")
    assert county["reported"].tolist() == [True, False, True]
    assert county["cumulative_confirmed"].tolist() == [2, 2, 5]
    assert county["new_confirmed"].tolist() == [2, 0, 3]
