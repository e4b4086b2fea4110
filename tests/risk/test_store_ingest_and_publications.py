"""Cases load into the SQL store idempotently and audited; publications are stored and read back
restricted to the reader's region prefix."""

import datetime as dt

import pytest

from fugong.access import SYSTEM, AccessDenied, Principal
from fugong.risk import services
from fugong.risk.cases import prepare, read_cases
from fugong.risk.grading import grade
from fugong.risk.publication import publish
from fugong.risk.rules import load_rules
from fugong.store.audit import AuditEntry

CSV = ("region_code,date,cumulative_confirmed,name,province_code,label\n"
       "330110,2020-02-01,1,余杭区,,\n330110,2020-02-02,3,余杭区,,\n"
       "330203,2020-02-01,2,海曙区,,\n,2020-02-01,1,,330000,境外输入\n")


@pytest.fixture
def cases(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(CSV, encoding="utf-8")
    return read_cases(path)


def test_ingest_twice_changes_nothing_the_second_time_and_is_audited_once(session, cases):
    first = services.ingest_cases(session, cases, principal=SYSTEM, source="cases.csv")
    second = services.ingest_cases(session, cases, principal=SYSTEM, source="cases.csv")
    assert first == {"inserted": 4, "updated": 0, "unchanged": 0}
    assert second == {"inserted": 0, "updated": 0, "unchanged": 4}
    entries = session.query(AuditEntry).filter_by(action="risk.cases.ingest").all()
    assert len(entries) == 1 and entries[0].actor == "system:cli"


def test_a_changed_value_is_updated(session, cases):
    services.ingest_cases(session, cases, principal=SYSTEM, source="a")
    cases.loc[1, "cumulative_confirmed"] = 4
    assert services.ingest_cases(session, cases, principal=SYSTEM, source="b")["updated"] == 1


def test_an_officer_cannot_ingest_another_citys_cases(session, cases):
    hangzhou = Principal(user_id="li", role="officer", region_prefix="3301")
    with pytest.raises(AccessDenied):
        services.ingest_cases(session, cases, principal=hangzhou, source="x")


def test_the_stored_cases_read_back_only_within_the_prefix(session, cases):
    services.ingest_cases(session, cases, principal=SYSTEM, source="a")
    hangzhou = Principal(user_id="li", role="officer", region_prefix="3301")
    frame = services.case_frame(session, principal=hangzhou)
    assert set(frame["region_code"]) == {"330110"}
    assert len(services.case_frame(session, principal=SYSTEM)) == 4


def test_publications_are_stored_and_read_back_restricted_to_the_prefix(session, cases):
    rules = load_rules("cn-national-2020")
    prepared = prepare(cases, population_of=None)
    pubs = publish(grade(prepared.daily, rules), rules, start=dt.date(2020, 2, 1), end=dt.date(2020, 2, 2),
                   names={"330110": "余杭区", "330203": "海曙区"})
    assert services.store_publications(session, pubs, principal=SYSTEM, source="test") == 2
    services.store_publications(session, pubs, principal=SYSTEM, source="test")  # replacing is fine
    hangzhou = Principal(user_id="li", role="officer", region_prefix="3301")
    view = services.publication_view(session, rules=rules, principal=hangzhou, date=dt.date(2020, 2, 2))
    codes = {g["region_code"] for g in view["grades"]}
    assert codes == {"330100", "330110"}
    assert sum(view["counts"].values()) == 2
    assert view["previous_date"] == "2020-02-01"
    with pytest.raises(AccessDenied):
        services.region_history(session, rules=rules, region_code="330203", principal=hangzhou)
    history = services.region_history(session, rules=rules, region_code="330110", principal=hangzhou)
    assert [h["date"] for h in history] == ["2020-02-01", "2020-02-02"]


def test_a_regraded_publication_is_read_back_as_regraded_not_as_first_seen(session, cases):
    import dataclasses

    rules = load_rules("cn-national-2020")
    prepared = prepare(cases, population_of=None)
    pubs = publish(grade(prepared.daily, rules), rules, start=dt.date(2020, 2, 2), end=dt.date(2020, 2, 2),
                   names={"330110": "余杭区", "330203": "海曙区"})
    services.store_publications(session, pubs, principal=SYSTEM, source="first")
    first = services.publication_view(session, rules=rules, principal=SYSTEM, date=dt.date(2020, 2, 2))
    before = {g["region_code"]: g["level"] for g in first["grades"]}
    regraded = [dataclasses.replace(p, grades=[{**g, "level": "high", "severity": 2} for g in p.grades]) for p in pubs]
    services.store_publications(session, regraded, principal=SYSTEM, source="second")
    second = services.publication_view(session, rules=rules, principal=SYSTEM, date=dt.date(2020, 2, 2))
    assert {g["level"] for g in second["grades"]} == {"high"}
    assert before != {g["region_code"]: g["level"] for g in second["grades"]}
