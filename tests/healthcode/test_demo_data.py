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
