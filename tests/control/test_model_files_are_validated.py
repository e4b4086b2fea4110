"""A model file is data: a bad one is refused with the file, the key and the reason."""

import pytest

from fugong.control.model import ModelError, load_model, parse_model, preset_names

GOOD_INDICATOR = {"code": "a", "kind": "continuous", "lower": 0, "upper": 1, "direction": "up", "zh": "甲", "en": "a"}
GOOD_INDEX = {"code": "i", "zh": "指数", "en": "index", "indicators": ["a"]}


def _doc(**changes):
    doc = {"name": "t", "title_zh": "测试", "title_en": "test", "source": "s", "indicators": [dict(GOOD_INDICATOR)],
           "indices": [dict(GOOD_INDEX)]}
    doc.update(changes)
    return doc


@pytest.mark.parametrize("changes, key, reason", [
    ({"indicators": [{**GOOD_INDICATOR, "kind": "ranked"}]}, "indicators[0].kind", "is not one of ordinal, continuous"),
    ({"indicators": [{**GOOD_INDICATOR, "direction": "sideways"}]}, "indicators[0].direction", "is not one of up, down"),
    ({"indicators": [{**GOOD_INDICATOR, "upper": 0}]}, "indicators[0].upper", "must be greater than lower"),
    ({"indicators": [{"code": "a", "kind": "ordinal", "max": 0, "zh": "甲", "en": "a"}]}, "indicators[0].max",
     "is not a whole number ≥ 1"),
    ({"indicators": [{"code": "a", "kind": "ordinal", "max": 2, "flag": "yes", "zh": "甲", "en": "a"}]},
     "indicators[0].flag", "is not true or false"),
    ({"indicators": [{**GOOD_INDICATOR, "max": 3}]}, "indicators[0].max", "only for ordinal indicators"),
    ({"indicators": [dict(GOOD_INDICATOR), dict(GOOD_INDICATOR)]}, "indicators[1].code", "duplicate indicator"),
    ({"indices": [{**GOOD_INDEX, "indicators": ["a", "zz"]}]}, "indices[0].indicators[1]", "unknown indicator 'zz'"),
    ({"indices": [{**GOOD_INDEX, "required": 5}]}, "indices[0].required", "is more than the 1 indicators"),
    ({"indices": [{**GOOD_INDEX, "weights": {"a": -1}}]}, "indices[0].weights.a", "greater than 0"),
    ({"rounding": {"mode": "bankers"}}, "rounding.mode", "is not one of half_even, half_up"),
    ({"missing": {"score": "mean"}}, "missing.score", "is not one of zero, skip"),
    ({"region_codes": "iso"}, "region_codes", "is not one of gb2260, any"),
    ({"colour": "red"}, "colour", "unknown key"),
    ({"quadrant": {"index": "nope", "open_from": 60, "closed_below": 40, "low_risk_max_severity": 1,
                   "high_risk_min_severity": 3}}, "quadrant.index", "unknown index 'nope'"),
    ({"quadrant": {"index": "i", "open_from": 30, "closed_below": 40, "low_risk_max_severity": 1,
                   "high_risk_min_severity": 3}}, "quadrant.open_from", "closed_below ≤ open_from"),
])
def test_a_bad_model_names_the_key_and_the_reason(changes, key, reason):
    with pytest.raises(ModelError) as caught:
        parse_model(_doc(**changes), source="models/bad.toml")
    assert caught.value.source == "models/bad.toml"
    assert caught.value.key == key
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"models/bad.toml: {key}: ")


def test_a_file_that_is_not_toml_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("name = [unclosed", encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        load_model(path)
    assert caught.value.source == str(path) and caught.value.key == "toml"


def test_an_unknown_preset_lists_the_presets():
    with pytest.raises(ModelError) as caught:
        load_model("oxcgrt-v9")
    assert "oxcgrt-v3.6" in caught.value.reason and "zj-precision-control-2020" in caught.value.reason


def test_every_preset_loads_and_carries_its_file_digest():
    for name in preset_names():
        model = load_model(name)
        assert model.name == name
        assert len(model.digest) == 64
