"""A malformed rule file gets an error naming the file, the key and the reason."""

import pytest

from fugong.risk.rules import RuleSetError, load_rules, preset_names


def write(tmp_path, text):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


def preset_text(name="cn-national-2020"):
    from fugong.risk.rules import PRESETS_DIR

    return (PRESETS_DIR / f"{name}.toml").read_text(encoding="utf-8")


def test_every_preset_loads():
    assert set(preset_names()) == {"cn-national-2020", "zj-five-colour-2020", "eu-2020-1475", "harvard-2020"}
    for name in preset_names():
        assert load_rules(name).name == name


def test_a_bad_operator_names_the_file_and_the_key(tmp_path):
    path = write(tmp_path, preset_text().replace('op = "<=", value = 50', 'op = "=<", value = 50'))
    with pytest.raises(RuleSetError) as error:
        load_rules(path)
    assert str(path) in str(error.value)
    assert error.value.key == "rule.cases[2].all[0].op"
    assert "'=<'" in error.value.reason


def test_an_unknown_indicator_is_refused(tmp_path):
    path = write(tmp_path, preset_text().replace('"new_14d", op = "=="', '"new_14days", op = "=="'))
    with pytest.raises(RuleSetError, match=r"rule.cases\[0\].any\[1\].indicator: unknown indicator 'new_14days'"):
        load_rules(path)


def test_a_case_pointing_to_an_undeclared_level_is_refused(tmp_path):
    path = write(tmp_path, preset_text().replace('level = "high"', 'level = "severe"'))
    with pytest.raises(RuleSetError, match=r"rule.cases\[1\].level: unknown level 'severe'"):
        load_rules(path)


def test_bands_must_ascend(tmp_path):
    text = preset_text("harvard-2020").replace('{ level = "orange", from = 10 }', '{ level = "orange", from = 0.5 }')
    with pytest.raises(RuleSetError, match=r"rule.ladders\[0\].bands\[2\]: bands must ascend"):
        load_rules(write(tmp_path, text))


def test_a_severity_outside_0_to_4_is_refused(tmp_path):
    text = preset_text().replace("severity = 4", "severity = 5")
    with pytest.raises(RuleSetError, match=r"levels\[2\].severity: 5 is not a severity 0–4"):
        load_rules(write(tmp_path, text))


def test_invalid_toml_names_the_line(tmp_path):
    with pytest.raises(RuleSetError, match=r"bad.toml: toml: .*line 1"):
        load_rules(write(tmp_path, "name = \n"))


def test_an_unknown_preset_lists_the_presets():
    with pytest.raises(RuleSetError, match="cn-national-2020"):
        load_rules("no-such-preset")
