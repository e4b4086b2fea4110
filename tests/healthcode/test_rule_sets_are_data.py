"""Colour rule sets are TOML data: both presets load, and a bad file is refused naming the field."""

import pytest

from fugong.healthcode.rules import RuleSetError, load_rule_set, parse_rule_set, preset_names


def test_both_2020_presets_are_shipped():
    assert {"hangzhou-2020", "hubei-2020"} <= set(preset_names())
    hangzhou, hubei = load_rule_set("hangzhou-2020"), load_rule_set("hubei-2020")
    assert [(r.from_colour, r.to_colour, r.days) for r in hangzhou.recovery] == [("red", "green", 14), ("yellow", "green", 7)]
    assert [(r.from_colour, r.to_colour, r.days, r.after_list_end) for r in hubei.recovery] == [
        ("red", "yellow", 14, True), ("yellow", "green", 14, False)]
    assert hangzhou.fever_threshold == 37.3


def test_a_rule_file_can_be_loaded_by_path(tmp_path):
    path = tmp_path / "strict.toml"
    path.write_text('name = "strict"\nfever_threshold = 37.0\n[[rule]]\ncolour = "red"\nwhen = "symptoms"\nmin_count = 1\n')
    assert load_rule_set(str(path)).rules[0].when == "symptoms"


@pytest.mark.parametrize("data,field", [
    ({"name": "x", "fever_threshold": 37.3, "rule": [{"colour": "blue", "when": "fever"}]}, "rule 1 colour"),
    ({"name": "x", "fever_threshold": 37.3, "rule": [{"colour": "red", "when": "bank_deposit"}]}, "rule 1 when"),
    ({"name": "x", "fever_threshold": 37.3, "rule": [{"colour": "red", "when": "on_list", "lists": ["vip"]}]}, "rule 1 lists"),
    ({"name": "x", "fever_threshold": 37.3, "recovery": [{"from": "green", "to": "red", "days": 3}]}, "recovery 1"),
    ({"name": "x", "fever_threshold": 37.3, "recovery": [{"from": "red", "to": "green", "days": 0}]}, "recovery 1 days"),
    ({"name": "x"}, "fever_threshold"),
])
def test_a_bad_rule_set_is_refused_naming_the_field(data, field):
    with pytest.raises(RuleSetError, match=field):
        parse_rule_set(data, source="bad.toml")


def test_an_unknown_preset_lists_the_known_ones():
    with pytest.raises(RuleSetError, match="hangzhou-2020"):
        load_rule_set("nowhere-2021")
