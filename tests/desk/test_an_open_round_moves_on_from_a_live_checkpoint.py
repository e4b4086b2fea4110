"""While a round is open its funnel starts from a live checkpoint (the funnel as of a time a little in
the past, kept in memory) and adds only the rows since: the same answer as counting every row, as the
round fills hour by hour, after a row dated before the checkpoint arrives late, and for the per-round
table. Runs on SQLite and PostgreSQL on our Wuhu fixture (rounds 1–2 closed and frozen, round 3 open)."""

import datetime as dt

from fugong.desk import rounds, service
from fugong.desk.scenarios import wuhu
from fugong.store.db import session_scope

CONTACT = service.Principal(user_id="wh-rsj-1", role="officer", region_prefix=wuhu.REGION)
OPEN = 3  # the open round's number


def _counted_from_every_row(session, until):
    return rounds.funnel(session, wuhu.SYSTEM, region_prefix=wuhu.REGION, until=until, from_rows=True)


def test_the_open_round_agrees_with_every_row_as_it_fills_and_after_a_late_row(engine):
    plan = wuhu.plan()
    with session_scope(engine) as session:
        wuhu.setup(session, plan)
        all_rounds = rounds.rounds_of(session, wuhu.SYSTEM, region_prefix=wuhu.REGION)
        last_closed, open_round = all_rounds[OPEN - 2], all_rounds[OPEN - 1]
        open_id, opens, closes = open_round.id, rounds._aware(open_round.starts_at), rounds._aware(open_round.ends_at)
        wuhu.play(session, plan, until=rounds._aware(last_closed.ends_at))
    with session_scope(engine) as session:
        for row in all_rounds[:OPEN - 1]:
            rounds.freeze_round(session, round_id=row.id, at=opens + dt.timedelta(hours=2))

    played = opens
    for now in [opens + dt.timedelta(hours=h, minutes=m) for h, m in ((3, 5), (9, 40), (9, 55), (21, 0), (30, 12),
                                                                      (40, 0), (47, 59))]:
        with session_scope(engine) as session:
            wuhu.play(session, plan, since=played, until=now)
        played = now
        counted = _check(engine, open_id, now)
        if now == opens + dt.timedelta(hours=21):
            # a visit logged now but dated before the checkpoint just taken: that checkpoint no longer
            # holds, and the funnel counts the visit at once
            with session_scope(engine) as session:
                service.record_contact(session, CONTACT, enterprise_id="WH0003", channel="phone",
                                       at=now - dt.timedelta(hours=1))
            after = _check(engine, open_id, now)
            assert after["figures"]["firms_contacted"] == counted["figures"]["firms_contacted"] + 1
    assert counted["figures"]["demands_collected"] > 0 and counted["round_flow"]["demands_collected"] > 0
    # checkpoints were kept along the way, the newest before the round's end
    kept = rounds._LIVE[engine][("cumulative", wuhu.REGION, True)]
    assert len(kept) == rounds.LIVE_PER_KEY and max(kept) < closes


def _check(engine, open_id: int, now: dt.datetime) -> dict:
    """The open round's page, the per-round table and the funnel as of now, each compared with counting
    every row; returns the round's funnel."""
    with session_scope(engine) as session:
        page = rounds.round_funnel(session, wuhu.SYSTEM, round_id=open_id, now=now)
        table = rounds.series(session, wuhu.SYSTEM, region_prefix=wuhu.REGION, now=now)
        as_of_now = rounds.funnel(session, wuhu.SYSTEM, region_prefix=wuhu.REGION, until=now, now=now)
    with session_scope(engine) as session:
        counted = rounds._compute_round(session, wuhu.SYSTEM, session.get(rounds.Round, open_id), wuhu.REGION,
                                        from_rows=True)
        next_one = rounds._compute_round(session, wuhu.SYSTEM, session.get(rounds.Round, open_id + 1),
                                         wuhu.REGION, from_rows=True)
        assert page == counted, now
        assert as_of_now == _counted_from_every_row(session, now), now
    # the table: the frozen rounds, the open round's own flow and totals, the rounds not begun
    assert [entry["round"]["number"] for entry in table] == list(range(1, 9))
    for entry, expected in ((table[OPEN - 1], counted), (table[OPEN], next_one)):
        assert {k: expected["round_flow"][k] for k in entry["flow"]} == entry["flow"], now
        assert {k: expected["figures"][k] for k in entry["cumulative"]} == entry["cumulative"], now
    # a live checkpoint was kept, a step (ten minutes) behind and at least a margin before now
    newest = max(rounds._LIVE[engine][("cumulative", wuhu.REGION, True)])
    assert now - rounds.LIVE_MARGIN - rounds.LIVE_STEP <= newest <= now - rounds.LIVE_MARGIN
    return counted
