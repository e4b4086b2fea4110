"""Each level maps to a measures profile the resumption workflow reads."""

import pytest

from fugong.risk.measures import ENTERPRISE_CLASSES, measures_for
from fugong.risk.rules import load_rules, preset_names


def test_high_risk_counties_resume_only_essential_enterprises_without_commitment_path():
    high = measures_for("high", "cn-national-2020")
    assert high.allows("epidemic_supplies") and not high.allows("industrial")
    assert high.commitment_resumption is False and high.transport == "restricted"


def test_lower_levels_allow_more():
    for name in preset_names():
        rules = load_rules(name)
        allowed = [len(measures_for(lv.key, rules).enterprise_classes) for lv in rules.graded_levels]
        assert allowed == sorted(allowed, reverse=True), name


def test_every_profile_of_every_preset_uses_known_classes():
    for name in preset_names():
        rules = load_rules(name)
        for level in rules.levels:
            assert set(measures_for(level.key, rules).enterprise_classes) <= set(ENTERPRISE_CLASSES)


def test_an_unknown_level_is_an_error():
    with pytest.raises(KeyError):
        measures_for("purple", "cn-national-2020")
