"""harvard-2020: 7-day average daily new cases per 100k, [0,1) green, [1,10) yellow, [10,25) orange, [25,∞) red."""

import pytest


@pytest.mark.parametrize(("rate", "level"), [
    (0.0, "green"), (0.999, "green"), (1.0, "yellow"), (9.99, "yellow"),
    (10.0, "orange"), (24.99, "orange"), (25.0, "red"), (400.0, "red"),
])
def test_each_band_starts_at_its_lower_bound_inclusive(level_of, rate, level):
    assert level_of("harvard-2020", avg_daily_7d_per_100k=rate) == level


def test_the_rate_is_the_7_day_mean_of_daily_cases_per_100k():
    """100,000 people, 7 cases each day for 7 days → 7 per 100k per day → yellow."""
    from fugong.risk.cases import prepare
    from fugong.risk.grading import grade
    from fugong.risk.rules import load_rules
    from tests.risk.conftest import frame, series

    rows = series("330110", "2020-02-01", [7] * 7, population=100_000)
    graded = grade(prepare(frame(rows)).daily, load_rules("harvard-2020"))
    last = graded[graded.region_code == "330110"].iloc[-1]
    assert last["ind_avg_daily_7d_per_100k"] == pytest.approx(7.0)
    assert last["level"] == "yellow"
