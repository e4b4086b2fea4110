"""Creating rounds schedules their freezes (an hour after each round ends, and the next evening); the
scheduler then stores each closed round's funnel as a frozen report, which the funnel answers from.
A row written later that falls inside a frozen round (a backdated visit) makes that frozen view stale:
the funnel counts the row at once (computed again), and the evening recheck stores a second version.
A round still open is not frozen. Runs on SQLite and PostgreSQL."""

import datetime as dt

from sqlalchemy import select

from fugong.config import load_settings
from fugong.desk import rounds, service
from fugong.desk.models import Round
from fugong.store.db import session_scope
from fugong.workflow import jobs, reports
from fugong.workflow.models import Job
from tests.desk.helpers import CONTACT, SYSTEM, TRIAGE, WUHU, at, build_world


def _run(engine, tmp_path, now):
    return jobs.run_due(engine, worker="scheduler", now=now, kinds=("desk.freeze_round",),
                        settings=load_settings({"FUGONG_DATA_DIR": str(tmp_path / "data")}))


def test_closed_rounds_are_frozen_by_the_scheduler_and_a_backdated_row_is_counted(engine, tmp_path):
    with session_scope(engine) as session:
        build_world(session)
        made = rounds.create_rounds(session, SYSTEM, region_prefix=WUHU, first=dt.date(2020, 2, 11), every=2,
                                    last=dt.date(2020, 2, 13), at=at("2020-02-09"))
        first, second = made[0].id, made[1].id
        for day, firm in (("2020-02-10", "E-WH-1"), ("2020-02-11", "E-WH-2"), ("2020-02-12", "E-WH-3")):
            service.record_contact(session, CONTACT, enterprise_id=firm, at=at(day))
            demand = service.submit_demand(session, CONTACT, enterprise_id=firm, category="logistics",
                                           text="通行证", at=at(day))
            service.triage(session, TRIAGE, demand_id=demand.id, at=at(day, 15), schedule_jobs=False)
        keys = session.scalars(select(Job.key).where(Job.kind == "desk.freeze_round").order_by(Job.key)).all()
    assert keys == [f"desk.freeze_round:{first}:first", f"desk.freeze_round:{first}:recheck",
                    f"desk.freeze_round:{second}:first", f"desk.freeze_round:{second}:recheck"]

    # 02-12 01:30: round 1 (02-10 – 02-11) closed at midnight; round 2 is open and is not frozen.
    assert _run(engine, tmp_path, at("2020-02-12", 1) + dt.timedelta(minutes=30)).done == 1
    with session_scope(engine) as session:
        round_1, round_2 = session.get(Round, first), session.get(Round, second)
        frozen = rounds.frozen_view(session, round_1, WUHU)
        assert frozen is not None and rounds.frozen_view(session, round_2, WUHU) is None
        computed = rounds.round_funnel(session, SYSTEM, round_id=first, frozen=False)
        assert frozen == computed == rounds.round_funnel(session, SYSTEM, round_id=first)
        assert (frozen["figures"]["firms_contacted"], frozen["figures"]["demands_dispatched"]) == (2, 2)
        assert rounds.freeze_round(session, round_id=second, at=at("2020-02-13", 12)) is None  # still open

    # A visit of 02-11 logged late, on 02-12: round 1's frozen view no longer holds; the funnel counts it.
    with session_scope(engine) as session:
        service.record_contact(session, CONTACT, enterprise_id="E-WH-4", at=at("2020-02-11", 17))
    with session_scope(engine) as session:
        round_1 = session.get(Round, first)
        assert rounds.frozen_view(session, round_1, WUHU) is None
        now = rounds.round_funnel(session, SYSTEM, round_id=first)
        assert now["figures"]["firms_contacted"] == 3
        assert now == rounds.round_funnel(session, SYSTEM, round_id=first, frozen=False)
        # the per-round table, too, reads the late row (not every round is frozen and exact)
        table = rounds.series(session, SYSTEM, region_prefix=WUHU)
        assert [entry["cumulative"]["demands_collected"] for entry in table] == [2, 3]

    # The evenings' rechecks: round 1 stored again as version 2, round 2 frozen for the first time.
    assert _run(engine, tmp_path, at("2020-02-15", 21)).done == 3
    with session_scope(engine) as session:
        round_1, round_2 = session.get(Round, first), session.get(Round, second)
        assert [v["version"] for v in reports.versions(session, kind=f"desk.funnel:{WUHU}:{first}",
                                                       day=dt.date(2020, 2, 11))] == [1, 2]
        assert rounds.frozen_view(session, round_1, WUHU) == now
        both = rounds.frozen_views(session, [round_1, round_2], WUHU)
        assert set(both) == {first, second}
        table = rounds.series(session, SYSTEM, region_prefix=WUHU)  # now read from the frozen views
        assert [entry["cumulative"]["demands_collected"] for entry in table] == [2, 3]
        assert table[1]["flow"]["demands_dispatched"] == 1
