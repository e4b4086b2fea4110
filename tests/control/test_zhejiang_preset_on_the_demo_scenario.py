"""zj-precision-control-2020 on the demo scenario: every Zhejiang county gets a control and a flow
index for the demo day, from fugong's own indicators (cases, health codes, the resumption index)
and the synthetic feed; what is missing shows in present/required, never as a zero."""

import datetime as dt

import pytest
from sqlalchemy import select

from fugong.access import SYSTEM
from fugong.control import service
from fugong.control.models import ControlObservation
from fugong.reference import regions
from fugong.store.db import session_scope

from tests.control.conftest import AS_OF

pytestmark = pytest.mark.xdist_group("control-world")  # one demo_world (tests/control/conftest.py)

COUNTIES = {r.code for r in regions.children("33", vintage="2020", level="county")}


def _today(engine):
    with session_scope(engine) as session:
        return service.results(session, model="zj-precision-control-2020", principal=SYSTEM, date=AS_OF)


def test_every_county_has_both_indices_on_the_demo_day(demo_world):
    _, engine = demo_world
    rows = _today(engine)
    assert {r["region_code"] for r in rows} == COUNTIES
    assert {r["index"] for r in rows} == {"control", "flow"}
    assert len(rows) == 2 * len(COUNTIES) == 180
    assert all(r["display"] is None or 0 <= r["display"] <= 100 for r in rows)
    with session_scope(engine) as session:
        with_r = set(session.scalars(select(ControlObservation.region_code).where(
            ControlObservation.indicator == "resumption_index", ControlObservation.date == AS_OF)))
    # at this tiny scale (1,000 enterprises) a few counties have no meter at all, hence no R: their
    # flow index has 5 of the 6 indicators it needs and is null — never a made-up zero
    nulls = {(r["region_code"], r["index"], r["present"]) for r in rows if r["display"] is None}
    assert nulls == {(code, "flow", 5) for code in COUNTIES - with_r}
    assert len(COUNTIES - with_r) < 5


def test_the_flow_index_lacks_staff_on_site_and_says_so(demo_world):
    _, engine = demo_world
    flow = [r for r in _today(engine) if r["index"] == "flow"]
    # staff_on_site_share comes from the resumption package, which this world does not have
    assert {(r["required"]) for r in flow} == {6}
    assert max(r["present"] for r in flow) == 6


def test_late_feeds_are_carried_forward_and_marked(demo_world):
    _, engine = demo_world
    flow = [r for r in _today(engine) if r["index"] == "flow"]
    carried = [r for r in flow if r["carried_from"] is not None]
    assert carried, "the demo feed leaves some counties' last two days out"
    assert all(r["value"] is None and r["carried_from"] == AS_OF - dt.timedelta(days=2) for r in carried)


def test_fugongs_own_indicators_are_stored_with_their_source(demo_world):
    _, engine = demo_world
    with session_scope(engine) as session:
        rows = session.execute(select(ControlObservation.indicator, ControlObservation.source)
                               .where(ControlObservation.date == AS_OF).distinct()).all()
    sources = {}
    for indicator, source in rows:
        sources.setdefault(indicator, set()).add(source)
    assert sources["new_local_7d_per_100k"] == {"fugong:risk"}
    assert sources["days_since_local_case"] == {"fugong:risk"}
    assert sources["resumption_index"] == {"fugong:index"}
    # fugong's own health-code figures for its three districts, the (synthetic) provincial platform's elsewhere
    assert sources["hc_green_share"] == {"fugong:healthcode", "feed:control-feed.csv"}
    assert sources["public_transport_open_share"] == {"feed:control-feed.csv"}


def test_days_since_the_last_case_follow_the_case_rows(demo_world):
    from fugong.risk.models import RiskCase

    _, engine = demo_world
    with session_scope(engine) as session:
        last_case = dict(session.execute(select(RiskCase.region_code, RiskCase.date)
                                         .where(RiskCase.new_confirmed > 0, RiskCase.date <= AS_OF)
                                         .order_by(RiskCase.date)).all())
        stored = dict(session.execute(select(ControlObservation.region_code, ControlObservation.value).where(
            ControlObservation.indicator == "days_since_local_case", ControlObservation.date == AS_OF)).all())
    checked = 0
    for code, day in last_case.items():
        if code in stored:
            assert float(stored[code]) == (AS_OF - day).days, code
            checked += 1
    assert checked > 30


def test_running_the_same_day_again_changes_no_indicator(demo_world):
    from fugong.control.model import load_model

    settings, engine = demo_world
    again = service.run(engine, settings=settings, model=load_model("zj-precision-control-2020"), as_of=AS_OF,
                        principal=SYSTEM)
    assert again["indicators"]["inserted"] == 0 and again["indicators"]["updated"] == 0
    assert again["indicators"]["removed"] == 0
