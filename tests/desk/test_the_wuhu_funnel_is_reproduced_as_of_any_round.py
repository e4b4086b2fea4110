"""Seed 004: by 2020-02-25 Wuhu high-tech zone's 7 contact units had contacted 297 firms and collected
926 demands; the development and reform office kept 245 firms and 763 valid demands and dispatched
them; 202 were resolved (18.46 亿元 loans applied for, 1.67 亿元 credit, 3,000 万元 loans, 7,593.44 万元
funds paid). Our own fixture of that zone (1,050 firms, rounds every two days, duplicates, invalid
demands, demands resolved and reopened before the 25th, life going on after it) gives exactly those
figures as of the 25th — in the service, the page, the JSON and the export — and an earlier round's
funnel is what it was on the evening that round closed."""

import csv
import datetime as dt
import io

from fastapi.testclient import TestClient

from fugong.access import SYSTEM
from fugong.accounts import service as accounts
from fugong.desk import rounds
from fugong.desk.scenarios import wuhu
from fugong.store.db import session_scope

ROUND = 4  # report day 2020-02-17


def expected_from_the_plan(plan: wuhu.Plan, until: dt.datetime) -> dict:
    """The figures counted from the plan's own events in plain Python (independent of the SQL)."""
    demands = [d for d in plan.demands if d.created_at < until]
    valid = [d for d in demands if d.triage and d.triage[0] == "valid" and d.triage[1] < until]
    resolved = sum(1 for d in demands for at, action, _ in d.events if at < until and action == "resolve") - \
        sum(1 for d in demands for at, action, _ in d.events if at < until and action == "reopen")
    return {"firms_contacted": len({firm for at, firm, _ in plan.contacts if at < until}),
            "demands_collected": len(demands), "demands_valid": len(valid), "firms_valid": len({d.firm for d in valid}),
            "demands_dispatched": len(valid), "demands_resolved": resolved,
            "demands_invalid": sum(1 for d in demands if d.triage and d.triage[0] == "invalid" and d.triage[1] < until),
            "demands_merged": sum(1 for d in demands if d.triage and d.triage[0] == "merge" and d.triage[1] < until)}


def test_the_seed_figures_as_of_the_25th_and_an_earlier_round_as_it_was_then(engine, db_url, tmp_path):
    plan = wuhu.plan()
    with session_scope(engine) as session:
        wuhu.setup(session, plan)
        round_4 = rounds.rounds_of(session, wuhu.SYSTEM, region_prefix=wuhu.REGION)[ROUND - 1]
        round_4_id, round_4_end = round_4.id, round_4.ends_at
        wuhu.play(session, plan, until=round_4_end)
    with session_scope(engine) as session:  # the evening round 4 closed
        then = rounds.round_funnel(session, wuhu.SYSTEM, round_id=round_4_id)
        # The scheduler freezes every round the clock has closed (2026: all eight, five to eight still
        # empty here); a frozen round reads back exactly what computing it gives.
        for row in rounds.rounds_of(session, wuhu.SYSTEM, region_prefix=wuhu.REGION):
            rounds.freeze_round(session, round_id=row.id)
    with session_scope(engine) as session:
        assert rounds.round_funnel(session, wuhu.SYSTEM, round_id=round_4_id) == then
        assert rounds.frozen_view(session, session.get(rounds.Round, round_4_id), wuhu.REGION) == then
    with session_scope(engine) as session:  # life goes on, past the 25th
        wuhu.play(session, plan, since=round_4_end)
    with session_scope(engine) as session:
        last = rounds.rounds_of(session, wuhu.SYSTEM, region_prefix=wuhu.REGION)[-1]
        # Round 8 was frozen before its rows were played in: the late rows make its frozen view stale,
        # so it is computed again; round 4's frozen view stays (nothing was written inside it since).
        assert rounds.frozen_view(session, last, wuhu.REGION) is None
        as_of_25th = rounds.round_funnel(session, wuhu.SYSTEM, round_id=last.id)
        now = rounds.round_funnel(session, wuhu.SYSTEM, round_id=round_4_id)
        assert rounds.frozen_view(session, session.get(rounds.Round, round_4_id), wuhu.REGION) == now
        # The recheck stores round 8 again (version 2, a late correction) and round 4 unchanged.
        assert rounds.freeze_round(session, round_id=last.id) == (2, True)
        assert rounds.freeze_round(session, round_id=round_4_id) == (1, False)
    with session_scope(engine) as session:
        assert rounds.frozen_view(session, last, wuhu.REGION) == as_of_25th
        assert rounds.round_funnel(session, wuhu.SYSTEM, round_id=last.id, frozen=False) == as_of_25th
        after = rounds.funnel(session, wuhu.SYSTEM, region_prefix=wuhu.REGION, until=wuhu.local(dt.date(2020, 3, 10), 0))

    assert as_of_25th["round"]["report_day"] == "2020-02-25"
    assert {k: as_of_25th["figures"][k] for k in wuhu.SEED_FIGURES} == wuhu.SEED_FIGURES
    assert as_of_25th["figures"]["demands_collected"] == 926
    end_25th = dt.datetime.fromisoformat(as_of_25th["until"])
    assert end_25th == wuhu.local(dt.date(2020, 2, 26), 0)
    assert {k: as_of_25th["figures"][k] for k in expected_from_the_plan(plan, end_25th)} == \
        expected_from_the_plan(plan, end_25th)
    # The funnel moved on after the 25th (so the figures above are "as of", not "now").
    assert after["figures"]["demands_resolved"] > 202 and after["figures"]["firms_contacted"] > 297
    assert after["figures"]["demands_collected"] > 926
    # Round 4 read today is round 4 read on its evening, and both match the plan's own count.
    assert now == then
    end_4 = dt.datetime.fromisoformat(then["until"])
    assert {k: then["figures"][k] for k in expected_from_the_plan(plan, end_4)} == expected_from_the_plan(plan, end_4)
    assert 0 < then["figures"]["demands_collected"] < 926
    # The per-round table (one grouped query) agrees with each round's funnel.
    with session_scope(engine) as session:
        table = rounds.series(session, wuhu.SYSTEM, region_prefix=wuhu.REGION)
    assert [entry["round"]["number"] for entry in table] == list(range(1, 9))
    for entry, funnel in ((table[ROUND - 1], then), (table[-1], as_of_25th)):
        assert {k: funnel["figures"][k] for k in entry["cumulative"]} == entry["cumulative"]
        assert {k: funnel["round_flow"][k] for k in entry["flow"]} == entry["flow"]
    # A funnel as of any time starts from the latest frozen round still exact and adds the rows after
    # it: the same answer as counting every row, per unit too. Rounds 5–7 were frozen empty and then
    # filled (stale: round 4 is their checkpoint), round 8 was frozen again; the times fall inside
    # rounds, on a round's end, before the first round ends, and after the last.
    times = [wuhu.local(dt.date(2020, 2, 10), 0) + dt.timedelta(hours=29) * n for n in range(24)]
    times += [end_4, end_25th]
    with session_scope(engine) as session:
        checkpoints = set()
        for when in times:
            checkpoint = rounds._checkpoint(session, wuhu.REGION, when)
            checkpoints.add(checkpoint["round"]["number"] if checkpoint else None)
            assert rounds.funnel(session, wuhu.SYSTEM, region_prefix=wuhu.REGION, until=when) == \
                rounds.funnel(session, wuhu.SYSTEM, region_prefix=wuhu.REGION, until=when, from_rows=True), when
    assert checkpoints == {None, 1, 2, 3, 4, 8}  # never the stale rounds 5–7

    # Per contact unit and per department the figures add up to the totals.
    assert sum(u["demands_collected"] for u in as_of_25th["by_contact_unit"]) == 926
    assert len([u for u in as_of_25th["by_contact_unit"] if u["unit"]]) == 7
    assert sum(u["demands_valid"] for u in as_of_25th["by_contact_unit"]) == 763
    assert sum(u["demands_dispatched"] for u in as_of_25th["by_department"]) == 763
    assert sum(u["demands_resolved"] for u in as_of_25th["by_department"]) == 202

    # The same figures in the page, its JSON twin and the CSV export, for a triage officer of the zone.
    with session_scope(engine) as session:
        accounts.add_user(session, actor=SYSTEM, username="wh-fgw-1", role="officer", region_prefix=wuhu.REGION)
        token = accounts.create_api_token(session, actor=SYSTEM, username="wh-fgw-1", name="test").token
    from tests.accounts.helpers import build_app

    app = build_app(db_url, tmp_path / "data")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        query = f"region={wuhu.REGION}&round={last.id}"
        body = client.get(f"/desk/funnel.json?{query}", headers=headers).json()
        assert {k: body["figures"][k] for k in wuhu.SEED_FIGURES} == wuhu.SEED_FIGURES
        page = client.get(f"/desk/funnel?{query}", headers={**headers, "Accept": "text/html"}).text
        for key, value in (("firms_contacted", "297"), ("demands_collected", "926"), ("firms_valid", "245"),
                           ("demands_valid", "763"), ("demands_dispatched", "763"), ("demands_resolved", "202"),
                           ("amount_requested_yuan", "1,846,000,000"), ("funds_paid_yuan", "75,934,400")):
            assert f'<tr data-figure="{key}"><th>' in page and f"</th><td>{value}</td>" in page.split(
                f'data-figure="{key}"')[1].split("</tr>")[0]
        exported = list(csv.DictReader(io.StringIO(client.get(f"/desk/funnel.csv?{query}", headers=headers)
                                                   .content.decode("utf-8-sig"))))
        total = next(row for row in exported if row["scope"] == "total")
        assert {k: float(total[k]) for k in wuhu.SEED_FIGURES} == {k: float(v) for k, v in wuhu.SEED_FIGURES.items()}
        earlier = client.get(f"/desk/funnel.json?region={wuhu.REGION}&round={round_4_id}", headers=headers).json()
        assert earlier["figures"] == then["figures"]
    app.state.db_engine.dispose()

