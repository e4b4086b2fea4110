"""eu-2020-1475 (Council Recommendation (EU) 2020/1475, point 10): every threshold, both sides."""

import pytest

TESTED = {"testing_rate_7d_per_100k": 1000}


@pytest.mark.parametrize(("rate", "positivity", "level"), [
    (24.9, 3.9, "green"),
    (25.0, 3.9, "orange"),    # 25 ≤ rate ≤ 150, positivity < 4 %
    (24.9, 4.0, "orange"),    # rate < 50, positivity ≥ 4 %
    (49.9, 4.0, "orange"),
    (50.0, 4.0, "red"),       # rate ≥ 50 and positivity ≥ 4 %
    (150.0, 3.9, "orange"),   # 150 is still orange below 4 %
    (150.1, 0.5, "red"),      # rate > 150 is red whatever the positivity
    (0.0, 0.0, "green"),
])
def test_the_colour_matrix(level_of, rate, positivity, level):
    assert level_of("eu-2020-1475", rate_14d_per_100k=rate, positivity_7d_pct=positivity, **TESTED) == level


@pytest.mark.parametrize(("testing", "level"), [(300, "grey"), (300.1, "green")])
def test_a_testing_rate_of_300_per_100k_or_less_is_grey(level_of, testing, level):
    assert level_of("eu-2020-1475", rate_14d_per_100k=1, positivity_7d_pct=1,
                    testing_rate_7d_per_100k=testing) == level


def test_without_test_data_the_region_is_grey_and_the_reason_names_the_input():
    from fugong.risk.cases import prepare
    from fugong.risk.grading import grade
    from fugong.risk.rules import load_rules
    from tests.risk.conftest import frame, series

    graded = grade(prepare(frame(series("330110", "2020-02-01", [1] * 3, population=100_000))).daily,
                   load_rules("eu-2020-1475"))
    row = graded[graded.region_code == "330110"].iloc[-1]
    assert row["level"] == "grey"
    assert "tests" in " ".join(row["reasons_en"]) and "检测数" in " ".join(row["reasons_zh"])
