"""The annotated rule-set example in docs/risk.md is a valid rule set."""

import re
from pathlib import Path

from fugong.risk.grading import evaluate
from fugong.risk.rules import parse_rules

DOCS = Path(__file__).resolve().parents[2] / "docs" / "risk.md"


def test_the_documented_example_loads_and_grades():
    import tomllib

    block = re.search(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S).group(1)
    rules = parse_rules(tomllib.loads(block), source="docs/risk.md")
    assert rules.downgrade_after_days == 3 and rules.cadence_days == 3
    values = {"missing": (), "fallbacks": (), "ever_had_case": True, "new_14d": 2, "cumulative": 2,
              "testing_rate_7d_per_100k": 500}
    assert evaluate(values, rules).level == "medium"
