"""Counties roll up to cities and provinces; rows without region code count to the province only;
a parent's own figure minus its children is reported as unassigned."""

import datetime as dt

from fugong.risk.cases import parent_code, prepare
from tests.risk.conftest import frame

DAY = dt.date(2020, 2, 1)


def row(code, value, **extra):
    return {"region_code": code, "date": DAY, "cumulative_confirmed": value, **extra}


def test_parents_without_own_rows_get_the_sum_of_their_children():
    daily = prepare(frame([row("330110", 3), row("330106", 2), row("330205", 4)]), population_of=None).daily
    on = daily.set_index("region_code")["cumulative_confirmed"]
    assert on["330100"] == 5 and on["330200"] == 4 and on["330000"] == 9


def test_rows_without_region_code_count_to_their_province_only():
    data = frame([row("330110", 3), row("", 2, province_code="330000", label="境外输入")])
    daily = prepare(data, population_of=None).daily.set_index("region_code")["cumulative_confirmed"]
    assert daily["330100"] == 3
    assert daily["330000"] == 5


def test_a_parents_own_figure_is_kept_and_the_gap_is_reported_as_unassigned():
    data = frame([row("330000", 10), row("330100", 6), row("", 1, province_code="330000", label="未公布来源")])
    prepared = prepare(data, population_of=None)
    assert prepared.daily.set_index("region_code").loc["330000", "cumulative_confirmed"] == 10
    (gap,) = [g for g in prepared.gaps if g.parent_code == "330000"]
    assert (gap.children_sum, gap.labelled, gap.unassigned) == (6.0, {"未公布来源": 1.0}, 3.0)


def test_population_comes_from_the_data_before_the_attribute_file():
    data = frame([row("330110", 3, population=1_000_000)])
    daily = prepare(data, population_of=lambda code: 42.0).daily.set_index("region_code")["population"]
    assert daily["330110"] == 1_000_000
    assert daily["330100"] == 42.0


def test_parents_follow_the_code_structure_including_municipalities_and_province_direct_counties():
    assert parent_code("330110") == "330100"
    assert parent_code("330100") == "330000"
    assert parent_code("110105") == "110000"   # Beijing's districts sit under the municipality
    assert parent_code("429004") == "420000"   # 仙桃市, directly under Hubei
    assert parent_code("330000") is None
