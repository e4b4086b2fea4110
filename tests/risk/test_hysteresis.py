"""Upgrades apply at once; a downgrade needs N days at a lower level and/or a minimum dwell."""

import dataclasses

from fugong.risk.cases import prepare
from fugong.risk.grading import grade
from fugong.risk.rules import load_rules
from tests.risk.conftest import frame, series

# harvard-2020 on 100,000 people: a 7-day sum ≥ 7 is yellow, ≥ 70 orange, ≥ 175 red
HIGH_THEN_NOTHING = [70] + [0] * 12


def levels(rules, counts):
    daily = prepare(frame(series("330110", "2020-02-01", counts, population=100_000)), population_of=None).daily
    graded = grade(daily, rules)
    return graded[graded.region_code == "330110"]


def test_without_hysteresis_the_level_follows_the_indicator():
    shown = levels(load_rules("harvard-2020"), HIGH_THEN_NOTHING)["level"].tolist()
    assert shown[:7] == ["orange"] * 7 and shown[7] == "green"


def test_a_downgrade_waits_for_n_consecutive_lower_days_and_says_so():
    rules = dataclasses.replace(load_rules("harvard-2020"), downgrade_after_days=3)
    graded = levels(rules, HIGH_THEN_NOTHING)
    assert graded["raw_level"].tolist()[7] == "green"
    assert graded["level"].tolist()[7:11] == ["orange", "orange", "green", "green"]
    assert "needs 3 consecutive days" in graded.iloc[7]["reasons_en"][0]
    assert "降级需连续 3 天" in graded.iloc[7]["reasons_zh"][0]


def test_a_downgrade_waits_for_the_minimum_dwell():
    rules = dataclasses.replace(load_rules("harvard-2020"), min_dwell_days=10)
    shown = levels(rules, HIGH_THEN_NOTHING)["level"].tolist()
    assert shown[7:10] == ["orange", "orange", "orange"] and shown[10] == "green"


def test_an_upgrade_is_immediate_even_while_a_downgrade_is_pending():
    rules = dataclasses.replace(load_rules("harvard-2020"), downgrade_after_days=5)
    shown = levels(rules, [7] + [0] * 7 + [80])["level"].tolist()
    assert shown[0] == "yellow" and shown[8] == "orange"
