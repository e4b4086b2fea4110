"""A rule's reason text fills {indicator} names only: a template cannot reach attributes or globals."""

import pytest

from fugong.risk.grading import _fmt
from fugong.risk.rules import PRESETS_DIR, RuleSetError, parse_rules


def _rules_with_reason(reason: str) -> dict:
    import tomllib

    data = tomllib.loads((PRESETS_DIR / "cn-national-2020.toml").read_text(encoding="utf-8"))
    data["rule"]["cases"][0]["reason_en"] = reason
    return data


@pytest.mark.parametrize("reason", ["{x.__class__.__init__.__globals__}", "{cumulative.__class__}",
                                    "{cumulative[0]}", "{cumulative!r}", "{cumulative:>10}", "{}", "{0}"])
def test_a_template_that_reaches_beyond_a_name_is_refused_when_the_rule_file_loads(reason):
    with pytest.raises(RuleSetError, match="placeholders are"):
        parse_rules(_rules_with_reason(reason), source="x.toml")


def test_an_unknown_name_is_refused_and_a_known_one_is_filled():
    with pytest.raises(RuleSetError, match="unknown placeholder"):
        parse_rules(_rules_with_reason("{secret_key}"), source="x.toml")
    assert parse_rules(_rules_with_reason("cumulative {cumulative}"), source="x.toml")


def test_filling_never_evaluates_anything():
    # before: str.format_map, where "{cumulative.__class__.__init__.__globals__}" raised AttributeError
    assert _fmt("{cumulative.__class__.__init__.__globals__}", {"cumulative": 3.0}) == \
        "{cumulative.__class__.__init__.__globals__}"
    assert _fmt("累计 {cumulative} 例，{missing}", {"cumulative": 3.0}) == "累计 3 例，{missing}"
