"""Seed graded publications of two cities' counties (Hangzhou 3301, Ningbo 3302) for web tests."""

import datetime as dt

from fugong.access import SYSTEM
from fugong.risk import services
from fugong.risk.cases import prepare
from fugong.risk.grading import grade
from fugong.risk.publication import publish
from fugong.risk.rules import load_rules
from tests.risk.conftest import frame, series

NINGBO_COUNTY = "330203"  # 海曙区
HANGZHOU_COUNTY = "330110"  # 余杭区


def seed(session, rules_name: str = "zj-five-colour-2020") -> None:
    rows = (series(HANGZHOU_COUNTY, "2020-02-10", [3] * 4 + [0] * 6, name="余杭区")
            + series(NINGBO_COUNTY, "2020-02-10", [9] * 10, name="海曙区"))
    rules = load_rules(rules_name)
    prepared = prepare(frame(rows), population_of=None)
    counties = prepared.daily[prepared.daily["level"] == "county"]
    pubs = publish(grade(counties, rules), rules, start=dt.date(2020, 2, 10), end=dt.date(2020, 2, 19),
                   names={HANGZHOU_COUNTY: "余杭区", NINGBO_COUNTY: "海曙区"})
    services.store_publications(session, pubs, principal=SYSTEM, source="test seed")
