"""A resumption policy file that is not UTF-8 TOML, is a folder, is nested 30,000 deep or holds a value
of the wrong type ends in a PolicyError naming the file and the field — never a UnicodeDecodeError,
RecursionError, TypeError or a ValueError from float()."""

import pytest

from fugong.resumption.policies import PRESETS, PolicyError, load_policy

HARBIN = (PRESETS / "commitment-harbin-2020.toml").read_text(encoding="utf-8")


def _policy(tmp_path, text: str | bytes):
    path = tmp_path / "policy.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


@pytest.mark.parametrize(("text", "field"), [
    (HARBIN.encode("gbk"), "encoding"),
    (HARBIN + "\nx = " + "[" * 30_000 + "]" * 30_000 + "\n", "toml"),
    (HARBIN.replace("staff_green_share = 0.9", 'staff_green_share = "all"'), "checklist.staff_green_share"),
    (HARBIN.replace("version = 1", 'version = "one"'), "version"),
    (HARBIN.replace("rate = 0.10", "rate = nan"), "sampling.rate"),
    (HARBIN.replace("confirm_after_days = 7", "confirm_after_days = -3"), "sampling.confirm_after_days"),
    (HARBIN.replace("green = 0.5", 'green = "half"'), "sampling.level_weights.green"),
    (HARBIN + '\n[[priorities]]\nkey = "c1"\nsize_in = 7\n', "priorities[0].size_in"),
    (HARBIN + '\n[[periods]]\nkey = "p"\nstarts_on = 2020-02-17T10:00:00\n', "periods[0].starts_on"),
    (HARBIN.replace('mode = "commitment"', 'mode = "commitment"\nperiods = 5'), "periods"),
])
def test_a_malformed_policy_is_refused_naming_the_field(tmp_path, text, field):
    with pytest.raises(PolicyError, match=rf"policy\.toml: {field.replace('[', '.').replace(']', '.')}"):
        load_policy(_policy(tmp_path, text))


def test_a_folder_is_refused_as_a_folder(tmp_path):
    (tmp_path / "policy.toml").mkdir()
    with pytest.raises(PolicyError, match="is a folder"):
        load_policy(tmp_path / "policy.toml")


def test_the_presets_still_load():
    assert load_policy("commitment-harbin-2020").sampling.rate == 0.10
