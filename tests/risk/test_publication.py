"""Publications on the cadence, with a change list, counts per level and a history per region."""

import datetime as dt

from fugong.risk.cases import prepare
from fugong.risk.grading import grade
from fugong.risk.publication import history, publication_dates, publish
from fugong.risk.rules import load_rules
from tests.risk.conftest import frame, series


def test_zhejiang_publishes_every_three_days_and_2020_02_19_is_a_publication_day():
    days = publication_dates(load_rules("zj-five-colour-2020"), dt.date(2020, 2, 11), dt.date(2020, 2, 22))
    assert days == [dt.date(2020, 2, 13), dt.date(2020, 2, 16), dt.date(2020, 2, 19), dt.date(2020, 2, 22)]


def test_the_change_list_reads_like_the_press_release():
    rules = load_rules("cn-national-2020")
    # 余杭区: one case on day 1, then nothing: medium until 14 clean days have passed, then low
    rows = series("330110", "2020-02-01", [1] + [0] * 15) + series("330106", "2020-02-01", [0] * 16)
    daily = prepare(frame(rows), population_of=None).daily
    graded = grade(daily, rules)
    pubs = publish(graded, rules, start=dt.date(2020, 2, 1), end=dt.date(2020, 2, 16), names={"330110": "余杭区"})
    texts = [(p.date, c.text_zh, c.text_en, c.direction) for p in pubs for c in p.changes if c.region_code == "330110"]
    assert texts == [(dt.date(2020, 2, 15), "余杭区 中风险 → 低风险", "余杭区 medium risk → low risk", "down")]
    first = pubs[0]
    # 余杭区, Hangzhou and Zhejiang (parents roll up) are medium, 西湖区 (330106, no case) low
    assert (first.counts["medium"], first.counts["low"], first.counts["high"]) == (3, 1, 0)


def test_the_history_of_a_region_lists_each_change_of_level():
    rules = load_rules("cn-national-2020")
    daily = prepare(frame(series("330110", "2020-02-01", [1] + [0] * 15)), population_of=None).daily
    assert history(grade(daily, rules), "330110") == [(dt.date(2020, 2, 1), "medium"), (dt.date(2020, 2, 15), "low")]
