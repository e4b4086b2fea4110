"""The demo stage's synthetic data: people get colours with reasons, everyone is scanned and stored."""

import datetime as dt

from sqlalchemy import func, select

from fugong.healthcode.demo import seed
from fugong.healthcode.models import CheckIn, ColourEvent, Scan


def test_the_demo_seed_gives_colours_and_scans_everyone(session):
    result = seed(session, as_of=dt.date(2020, 2, 20), people_per_enterprise=8, enterprises=("E-A", "E-B"))
    assert result["people"] == 16 and result["scans"] == 16
    assert sum(result["colours"].values()) == 16 and result["colours"]["green"] > 0
    assert session.scalar(select(func.count()).select_from(Scan)) == 16
    assert session.scalar(select(func.count()).select_from(ColourEvent)) >= 16  # every colour has a reason
    assert session.scalar(select(func.count()).select_from(CheckIn)) > 100  # ~10 days, some missed


def test_the_demo_checks_in_and_scans_on_its_own_days(session):
    as_of = dt.date(2020, 2, 20)
    seed(session, as_of=as_of, people_per_enterprise=8, enterprises=("E-A", "E-B"))
    assert set(session.scalars(select(Scan.day))) == {as_of}
    assert session.scalar(select(func.count()).select_from(Scan).where(Scan.result == "pass")) > 0  # verified as of then
    days = set(session.scalars(select(CheckIn.day)))
    assert min(days) == as_of - dt.timedelta(days=9) and max(days) == as_of


def test_the_demo_person_can_check_in_on_the_as_of_day(session):
    from fugong.healthcode.demo import DEMO_PERSON
    from fugong.healthcode.models import Person

    as_of = dt.date(2020, 2, 20)
    seed(session, as_of=as_of, people_per_enterprise=8, enterprises=("E-A", "E-B"))
    person = session.scalar(select(Person).where(Person.account_user_id == DEMO_PERSON))
    assert person is not None and person.enterprise_id == "E-A" and person.colour == "green"
    checked = set(session.scalars(select(CheckIn.day).where(CheckIn.person_id == person.id)))
    assert as_of not in checked and as_of - dt.timedelta(days=1) in checked
