"""The travel rule asks the risk map: the severity published (latest on or before the travel day)
for the region, its enclosing city or province, or any graded region inside it."""

import datetime as dt

from fugong.healthcode.declarations import declare
from fugong.healthcode.risklink import severity_from_risk
from fugong.risk.models import RiskGrade, RiskPublication
from tests.healthcode.helpers import DAY0


def _publish(session, day, grades, rule_set="cn-national-2020"):
    publication = RiskPublication(rule_set=rule_set, date=day, published_at=dt.datetime(2020, 2, 1, tzinfo=dt.timezone.utc),
                                  source="test", counts={})
    session.add(publication)
    session.flush()
    for region, severity in grades.items():
        session.add(RiskGrade(publication_id=publication.id, region_code=region, name="", level=f"s{severity}",
                              severity=severity, colour="#000", reasons_zh=[], reasons_en=[], indicators={}))
    session.flush()


def test_the_latest_publication_on_or_before_the_day_counts(session):
    _publish(session, dt.date(2020, 2, 1), {"420102": 4})
    _publish(session, dt.date(2020, 2, 8), {"420102": 1})
    severity_of = severity_from_risk(session, rule_set="cn-national-2020")
    assert severity_of("420102", dt.date(2020, 2, 5)) == 4
    assert severity_of("420102", dt.date(2020, 2, 9)) == 1
    assert severity_of("420102", dt.date(2020, 1, 30)) is None


def test_a_declared_city_takes_the_highest_of_its_counties_and_a_county_its_city(session):
    _publish(session, dt.date(2020, 2, 1), {"420102": 2, "420106": 4, "330106": 0, "310000": 3})
    severity_of = severity_from_risk(session, rule_set="cn-national-2020")
    assert severity_of("420100", dt.date(2020, 2, 2)) == 4
    assert severity_of("310104", dt.date(2020, 2, 2)) == 3  # graded at province level only
    assert severity_of("330106", dt.date(2020, 2, 2)) == 0


def test_a_declaration_uses_the_active_risk_rule_set(session, new_person, monkeypatch):
    from fugong.config import get_settings

    monkeypatch.setenv("FUGONG_RISK_RULES", "cn-national-2020")
    get_settings.cache_clear()
    trip = DAY0 - dt.timedelta(days=4)
    _publish(session, trip - dt.timedelta(days=2), {"420106": 4})
    person, me = new_person()
    declare(session, me, current_region="330106", temperature=36.5, day=DAY0,
            travel=[{"region": "420100", "date": trip.isoformat()}])
    assert (person.colour, person.reason_code) == ("yellow", "TRAVEL_RISK_REGION")
    get_settings.cache_clear()
