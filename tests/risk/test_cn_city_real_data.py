"""The converter and the national rule on the real, noisy city-level data (2020-02-01..2020-03-31).

Data: ../shared/data/epidemic/cn-city-2020q1 (canghailan/Wuhan-2019-nCoV, MIT). One module-scoped
conversion (≈2 s) feeds every test here.
"""

import datetime as dt

import pytest

from tests.conftest import shared_path


@pytest.fixture(scope="module")
def converted():
    from fugong.risk.convert_cn_city import convert

    return convert(shared_path("data", "epidemic", "cn-city-2020q1"))


@pytest.fixture(scope="module")
def prepared(converted):
    import pandas as pd

    from fugong.risk.cases import prepare

    rows, _report = converted
    return prepare(pd.DataFrame(rows), population_of=None, source="cn-city-2020q1")


def test_zhejiangs_eleven_cities_keep_their_gbt_2260_codes(converted):
    rows, report = converted
    zhejiang = {m.region_code for m in report if m.province_code == "330000" and m.how == "code"}
    assert zhejiang == {f"33{n:02d}00" for n in range(1, 12)}


def test_cities_with_non_standard_source_codes_are_mapped_by_name(converted):
    _rows, report = converted
    by_name = {m.city: (m.source_code, m.region_code) for m in report if m.how == "name"}
    assert by_name["公主岭"] == ("136100", "220381")
    assert by_name["韩城"] == ("715400", "610581")


def test_rows_without_a_city_code_count_to_their_province_under_their_label(converted):
    rows, report = converted
    assert any(m.city == "境外输入" and m.province_code == "330000" and m.region_code == "" for m in report)
    unassigned = [r for r in rows if r["province_code"] == "330000" and r["region_code"] == ""]
    assert {r["label"] for r in unassigned} >= {"未公布来源", "境外输入"}


def test_wenzhous_drop_from_505_to_504_is_repaired_and_listed(prepared):
    wenzhou = [r for r in prepared.repairs if r.region_code == "330300"]
    assert (dt.date(2020, 3, 21), 504.0, 505.0) in [(r.date, r.reported, r.repaired) for r in wenzhou]
    assert all(r.repaired > r.reported for r in prepared.repairs)


def test_the_national_rule_grades_every_city_day_of_february_and_march(prepared):
    from fugong.risk.grading import grade
    from fugong.risk.rules import load_rules

    graded = grade(prepared.daily, load_rules("cn-national-2020"), start=dt.date(2020, 2, 1), end=dt.date(2020, 3, 31))
    assert len(graded) > 20_000
    assert not any("no rule case applies" in " ".join(r) for r in graded["reasons_en"])
    hangzhou = graded[(graded.region_code == "330100")].set_index("date")
    # Hangzhou (169 cases by mid-February) had new cases within 14 days on 2020-02-19 …
    assert hangzhou.loc[dt.date(2020, 2, 19), "level"] == "medium"
    # … and, after its last new case in February, low by the end of March.
    assert hangzhou.loc[dt.date(2020, 3, 31), "level"] == "low"
    assert (graded["level"] != "grey").mean() > 0.9
