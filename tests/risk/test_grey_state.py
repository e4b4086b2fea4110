"""Grey when an input is missing (naming it) or the data is stale; a declared fallback avoids grey."""

import dataclasses
import datetime as dt

from fugong.risk.cases import prepare
from fugong.risk.grading import grade
from fugong.risk.rules import load_rules
from tests.risk.conftest import frame, series


def graded(rules, rows):
    result = grade(prepare(frame(rows), population_of=None).daily, rules)
    return result[result.region_code == "330110"].reset_index(drop=True)


def test_a_needed_input_without_fallback_makes_the_region_grey_and_names_it():
    rules = load_rules("cn-national-2020")
    rules = dataclasses.replace(rules, fallbacks={})
    row = graded(rules, series("330110", "2020-02-01", [2])).iloc[0]
    assert row["level"] == "grey" and row["severity"] is None
    assert row["reasons_en"] == ["missing input: cluster_events"]
    assert "聚集性疫情（cluster_events）" in row["reasons_zh"][0]


def test_with_the_declared_fallback_the_region_is_graded_and_the_reason_says_so():
    row = graded(load_rules("cn-national-2020"), series("330110", "2020-02-01", [2])).iloc[0]
    assert row["level"] == "medium"
    assert "no cluster data: clusters treated as absent" in row["reasons_en"]


def test_harvard_without_population_is_grey():
    row = graded(load_rules("harvard-2020"), series("330110", "2020-02-01", [2])).iloc[0]
    assert row["level"] == "grey" and row["reasons_en"] == ["missing input: population"]


def test_a_region_whose_last_report_is_older_than_the_limit_is_grey():
    rows = series("330110", "2020-02-01", [1]) + series("330106", "2020-02-05", [1])  # data run to 02-05
    result = graded(load_rules("cn-national-2020"), rows)
    by_day = dict(zip(result["date"], result["level"]))
    assert by_day[dt.date(2020, 2, 4)] == "medium"   # 3 days after the last report: still fresh
    assert by_day[dt.date(2020, 2, 5)] == "grey"     # 4 days: stale
    assert "last report 2020-02-01" in result.iloc[-1]["reasons_en"][0]
