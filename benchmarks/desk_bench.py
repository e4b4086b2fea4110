"""Demand-desk benchmark: 100,000 demands in the store, every queue page and the funnel page over HTTP.

    python benchmarks/desk_bench.py                     # 100,000 demands, SQLite, 30 requests a page
    python benchmarks/desk_bench.py --demands 20000 --requests 10
    python benchmarks/desk_bench.py --database-url postgresql+psycopg://…
    python benchmarks/desk_bench.py --open-round        # the last round open today (live checkpoints)

What it does:

1. fills a fresh database with a synthetic zone (340203): 5,000 registered enterprises, 7 contact
   units, 8 departments, 21 grid areas, 8 rounds, 100,000 demands spread over the rounds and 46,000
   contact-log rows, with their transition rows as the services write them (create, accept/invalidate,
   dispatch, take, resolve, reopen …: ~400,000 rows) and the milestones the services keep beside them.
   The fill uses bulk inserts — it is the stage, not the thing measured;
2. runs the scheduler's round freezes (``desk.freeze_round`` jobs, what ``fugong serve`` or
   ``fugong jobs run`` do an hour after each round ends) and times them: each closed round's funnel
   computed once and stored;
3. starts ``fugong serve`` on a loopback port and signs in a triage officer, a contact-unit officer, a
   department officer, a paired official and an enterprise (bearer tokens);
4. requests each page ``--requests`` times after two warm-ups and prints p50 / p95 / max in ms, the
   goal (300 ms) and the ratio of p95 to the goal; the HTML page and its JSON twin both. "funnel page,
   cold" adds a contact-log row before each request, so every request misses the page cache and
   builds the page again (what the first visitor after any new transition or visit waits for). The
   first request of each page (a warm-up: the server's caches are empty) is printed beside them; with
   ``--open-round`` the funnel's first request also builds the live checkpoints of the open round.

The peers, in process (median of 3): the funnel page and the funnel inside the last round, cold (no
live checkpoint kept) and warm, against counting every transition row and the generic way, the
workflow core's ``transitions.latest_states`` window query ("state as of t").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

GOAL_MS = 300.0
REGION = "340203"


def fill(url: str, *, demands: int, seed: int = 2020, open_round: bool = False) -> dict:
    from sqlalchemy import insert

    from fugong.access import Principal
    from fugong.accounts import service as accounts
    from fugong.desk import rounds, routing, service
    from fugong.desk.milestones import COUNTED
    from fugong.desk.models import Contact, Demand, GridArea, GridFirm, Member, Milestone
    from fugong.desk.scenarios.wuhu import ROUTES, TEXTS, UNITS, local
    from fugong.enterprises.models import Enterprise
    from fugong.store.db import connect, session_scope, upgrade
    from fugong.workflow.models import TransitionRow

    rng = random.Random(seed)
    # --open-round: the rounds moved so that today is the last round's report day (its second day), and
    # nothing dated after this moment — the last round is open, as on a working day of the desk
    cutoff = dt.datetime.now(dt.timezone.utc) if open_round else None
    shift = (cutoff.astimezone(service.TZ).date() - dt.date(2020, 2, 25)) if open_round else dt.timedelta(0)
    engine = connect(url)
    upgrade(engine)
    system = Principal(user_id="bench", role="system")
    now = local(dt.date(2020, 2, 1), 9)
    firms = [f"BW{n:05d}" for n in range(1, 5001)]
    with session_scope(engine) as session:
        session.execute(insert(Enterprise), [dict(
            enterprise_id=f, name=f"芜湖基准企业{f}", region_code=REGION, region_vintage="2020", address="",
            enterprise_class="industrial", essential_supply=False, export=False, listed=False, key_project=False,
            source="import", created_at=now, updated_at=now) for f in firms])
        for code, name, name_en, contact, department in UNITS:
            kinds = (["contact"] if contact else []) + (["department"] if department else []) + \
                (["triage"] if code == "WH-FGW" else [])
            service.add_unit(session, system, code=code, name_zh=name, name_en=name_en, region_code=REGION, kinds=kinds)
        contact_units = [u[0] for u in UNITS if u[3]]
        areas = [(f"WH-G{i + 1:02d}", contact_units[i % len(contact_units)]) for i in range(21)]
        session.execute(insert(GridArea), [dict(code=a, name=a, unit_code=u, region_code=REGION) for a, u in areas])
        session.execute(insert(GridFirm), [dict(enterprise_id=f, area_code=areas[n % 21][0]) for n, f in enumerate(firms)])
        session.execute(insert(Member), [dict(username=u, unit_code=c, head=False) for u, c in (
            ("bench-triage", "WH-FGW"), ("bench-contact", "WH-RSJ"), ("bench-dept", "WH-JTJ"))])
        routing.publish(session, system, reason="bench", rules=[{"category": c, "region_prefix": REGION,
                                                                 "department": d} for c, d in ROUTES.items()])
        made = rounds.create_rounds(session, system, region_prefix=REGION, first=dt.date(2020, 2, 11) + shift,
                                    every=2, last=dt.date(2020, 2, 25) + shift)
        windows = [(r.starts_at, r.ends_at) for r in made]
        from fugong.desk import pairing

        pairing.apply_plan(session, system, plan={"department": [{"username": "bench-official", "unit": "WH-JTJ",
                                                                  "enterprises": firms[:60]}]})
        for username, role, firms_of in (("bench-triage", "officer", ()), ("bench-contact", "officer", ()),
                                         ("bench-dept", "department", ()), ("bench-official", "service_officer", ()),
                                         ("bench-firm", "enterprise", (firms[0],))):
            accounts.add_user(session, actor=system, username=username, role=role, region_prefix=REGION,
                              enterprise_ids=list(firms_of))
        tokens = {u: accounts.create_api_token(session, actor=system, username=u, name="bench").token
                  for u in ("bench-triage", "bench-contact", "bench-dept", "bench-official", "bench-firm")}
    categories = list(TEXTS)
    demand_rows, transition_rows, contact_rows, milestone_rows = [], [], [], []
    for n in range(1, demands + 1):
        firm = firms[0] if n % 997 == 0 else rng.choice(firms)
        start, end = windows[rng.randrange(len(windows))]
        end = min(end, cutoff) if cutoff else end
        created = start + dt.timedelta(seconds=rng.randrange(int((end - start).total_seconds() - 7200)))
        category = rng.choice(categories)
        department = ROUTES[category]
        contact = areas[firms.index(firm) % 21][1] if n % 50 == 0 else contact_units[n % 7]
        fate = rng.random()
        t = created
        state, due = "collected", None
        rows = [("create", None, "collected", {"contact_unit": contact, "enterprise_id": firm, "category": category})]
        if fate < 0.08:
            rows.append(("invalidate", "collected", "invalid", None)); state = "invalid"
        elif fate < 0.13:
            rows.append(("merge", "collected", "merged", None)); state = "merged"
        elif fate > 0.16:
            rows.append(("accept", "collected", "valid", None))
            rows.append(("dispatch", "valid", "dispatched", {"department": department}))
            state, due = "dispatched", (created + dt.timedelta(days=rng.randrange(1, 9))).date()
            if fate > 0.35:
                rows.append(("take", "dispatched", "in_progress", None)); state = "in_progress"
            if fate > 0.55:
                rows.append(("resolve", "in_progress", "resolved", {"department": department})); state = "resolved"
            if 0.55 < fate < 0.57:
                rows.append(("reopen", "resolved", "reopened", {"department": department})); state = "reopened"
            if fate > 0.8:
                rows.append(("rate", "resolved", "closed", {"rating": 5})); state = "closed"
        stamps = []
        for _row in rows:
            stamps.append(t)
            t = t + dt.timedelta(hours=rng.randrange(2, 30))
        if cutoff:  # what has happened by now
            rows, stamps = rows[:sum(1 for at in stamps if at < cutoff)], [at for at in stamps if at < cutoff]
            state = rows[-1][2]
            due = due if any(action == "dispatch" for action, *_ in rows) else None
        for (action, before, after, data), t in zip(rows, stamps):
            transition_rows.append(dict(machine="desk-demand", machine_version=1, entity_id=str(n), action=action,
                                        from_state=before, to_state=after, actor="bench", role="officer", at=t,
                                        reason="bench" if action in ("invalidate", "resolve") else None,
                                        region_code=REGION, data=data))
            if after in COUNTED:  # as milestones.record does
                for key in ("", department) if after == "dispatched" else ("",):
                    milestone_rows.append(dict(demand_id=n, state=after, department=key, first_at=t,
                                               region_code=REGION, enterprise_id=firm, contact_unit=contact))
        demand_rows.append(dict(id=n, enterprise_id=firm, region_code=REGION, category=category,
                                text=rng.choice(TEXTS[category]).format(n=n % 300), source="contact",
                                contact_unit=contact, area_code=None, round_id=None,
                                department=department if state not in ("collected", "invalid", "merged") else None,
                                dispatch_count=1 if due else 0, due_on=due, escalation_level=0, recorded_by="bench",
                                created_at=created, updated_at=stamps[-1], state=state, state_version=len(rows) - 1,
                                state_changed_at=stamps[-1]))
        if n % 2 == 0 or n % 17 == 0:
            contact_rows.append(dict(enterprise_id=firm, region_code=REGION, unit_code=contact, actor="bench",
                                     channel="visit", note="", at=created))
    with session_scope(engine) as session:
        for chunk in range(0, len(demand_rows), 5000):
            session.execute(insert(Demand), demand_rows[chunk:chunk + 5000])
        for chunk in range(0, len(transition_rows), 10000):
            session.execute(insert(TransitionRow), transition_rows[chunk:chunk + 10000])
        for chunk in range(0, len(contact_rows), 10000):
            session.execute(insert(Contact), contact_rows[chunk:chunk + 10000])
        for chunk in range(0, len(milestone_rows), 10000):
            session.execute(insert(Milestone), milestone_rows[chunk:chunk + 10000])
    from fugong.desk import deadlines  # noqa: F401 - registers the desk's job handlers, as the scheduler does
    from fugong.workflow import jobs

    started = time.perf_counter()
    frozen = jobs.run_due(engine, worker="bench-scheduler", kinds=("desk.freeze_round",), limit=100)
    freeze_s = time.perf_counter() - started
    if frozen.errors or frozen.done != 2 * len(windows) and not open_round or frozen.done < len(windows) - 1:
        raise SystemExit(f"round freezes: {frozen}")
    engine.dispose()
    return {"tokens": tokens, "transitions": len(transition_rows), "contacts": len(contact_rows),
            "demand": 997, "round": len(windows), "freeze_seconds": round(freeze_s, 1), "shift": shift}


def serve(data_dir: Path, url: str, as_of: dt.date = dt.date(2020, 2, 25)):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.e2e.helpers import start_server

    env = {k: v for k, v in os.environ.items() if not k.startswith("FUGONG_")}
    env.update({"FUGONG_DATA_DIR": str(data_dir), "FUGONG_DATABASE_URL": url, "FUGONG_SCHEDULER": "false",
                "FUGONG_AS_OF": as_of.isoformat(), "FUGONG_SECRET_KEY": "bench-" + "b" * 40})
    return start_server(env)


def time_pages(base: str, tokens: dict, *, requests: int, demand_id: int) -> list[dict]:
    import httpx

    pages = [
        ("triage queue", "bench-triage", "/desk/triage"), ("triage queue JSON", "bench-triage", "/desk/triage.json"),
        ("department queue", "bench-dept", "/desk/queue"), ("department queue JSON", "bench-dept", "/desk/queue.json"),
        ("contact unit", "bench-contact", "/desk/unit"), ("contact unit JSON", "bench-contact", "/desk/unit.json"),
        ("open demands list", "bench-triage", "/desk/demands?state=open"),
        ("enterprise's demands", "bench-firm", "/desk/demands"),
        ("official's workbench", "bench-official", "/desk/workbench"),
        ("a demand", "bench-triage", f"/desk/demands/{demand_id}"),
        ("funnel (latest round)", "bench-triage", f"/desk/funnel?region={REGION}"),
        ("funnel JSON", "bench-triage", f"/desk/funnel.json?region={REGION}"),
        ("funnel CSV", "bench-triage", f"/desk/funnel.csv?region={REGION}"),
        ("funnel page, cold (after a new row)", "bench-triage", f"/desk/funnel?region={REGION}"),
        ("Open311 requests.json (public)", None, "/open311/v2/requests.json?jurisdiction_id=340203"),
    ]
    out = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for name, user, path in pages:
            headers = {"Accept": "text/html"} if not path.endswith((".json", ".csv")) and "open311" not in path else {}
            if user:
                headers["Authorization"] = f"Bearer {tokens[user]}"
            times, first = [], None
            for n in range(requests + 2):
                if "cold" in name:  # a visit logged: the page's data version moves, its cache misses
                    visit = client.post("/desk/contacts", json={"enterprise_id": "BW00002", "channel": "phone"},
                                        headers={"Authorization": f"Bearer {tokens['bench-contact']}"})
                    if visit.status_code != 201:
                        raise SystemExit(f"/desk/contacts: {visit.status_code} {visit.text[:200]}")
                start = time.perf_counter()
                response = client.get(path, headers=headers)
                elapsed = (time.perf_counter() - start) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{path}: {response.status_code} {response.text[:200]}")
                if n >= 2:
                    times.append(elapsed)
                elif n == 0:
                    first = elapsed
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            out.append({"page": name, "path": path, "p50_ms": round(statistics.median(times), 1),
                        "p95_ms": round(p95, 1), "max_ms": round(times[-1], 1), "goal_ratio": round(p95 / GOAL_MS, 2),
                        "first_ms": round(first, 1)})
    return out


def peer(url: str, repeat: int = 3, shift: dt.timedelta = dt.timedelta(0)) -> dict:
    """The funnel of the last round: the page (frozen rounds, or the open round from live checkpoints),
    the round computed without its frozen view, a funnel inside the last round from the last frozen
    round, each against counting every row and the generic 'latest state' window of the core. "cold":
    this process's live checkpoints are dropped before each run, so the run builds them."""
    from sqlalchemy import func, select

    from fugong.access import Principal
    from fugong.desk import rounds, views
    from fugong.desk.scenarios.wuhu import local
    from fugong.store.db import connect, session_scope
    from fugong.workflow import transitions

    engine = connect(url)
    until = local(dt.date(2020, 2, 26) + shift, 0)
    mid_round = local(dt.date(2020, 2, 25) + shift, 12)  # a day and a half into the last round
    system = Principal(user_id="bench", role="system")
    results = {}
    with session_scope(engine) as session:
        last = rounds.rounds_of(session, system, region_prefix=REGION)[-1].id
    for name, cold, run in (
        ("funnel page, cold", True, lambda session: views.funnel_view(session, system, region=REGION, round_id=None,
                                                                       day=None)),
        ("funnel page, live checkpoints kept", False, lambda session: views.funnel_view(
            session, system, region=REGION, round_id=None, day=None)),
        ("last round without its frozen view, cold", True, lambda session: rounds.round_funnel(
            session, system, round_id=last, region_prefix=REGION, frozen=False)),
        ("desk funnel (rows as of t)", True, lambda session: rounds.funnel(session, system, region_prefix=REGION,
                                                                           until=until, from_rows=True)),
        ("as of mid last round, from the last frozen round, cold", True, lambda session: rounds.funnel(
            session, system, region_prefix=REGION, until=mid_round)),
        ("as of mid last round, counting every row", True, lambda session: rounds.funnel(
            session, system, region_prefix=REGION, until=mid_round, from_rows=True)),
        ("core latest_states window", True, lambda session: dict(session.execute(
            select(sq.c.state, func.count()).group_by(sq.c.state)).all()) if (
            sq := transitions.latest_states(session, machine="desk-demand", until=until)) is not None else None),
    ):
        times = []
        for _ in range(repeat):
            if cold:
                rounds._LIVE.clear()
            with session_scope(engine) as session:  # a request's transaction (its own memo of funnels)
                start = time.perf_counter()
                run(session)
                times.append((time.perf_counter() - start) * 1000)
        results[name] = round(statistics.median(times), 1)
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--demands", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--open-round", action="store_true",
                        help="move the rounds so that the last one is open today (its figures move on from live "
                             "checkpoints); without it every round is closed and frozen")
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        data = Path(tmp)
        url = args.database_url or f"sqlite:///{data / 'fugong.db'}"
        started = time.perf_counter()
        filled = fill(url, demands=args.demands, open_round=args.open_round)
        fill_s = time.perf_counter() - started
        process, base = serve(data, url, as_of=dt.date(2020, 2, 25) + filled["shift"])
        try:
            pages = time_pages(base, filled["tokens"], requests=args.requests, demand_id=filled["demand"])
        finally:
            process.terminate()
            process.wait(timeout=10)
        peers = peer(url, shift=filled["shift"])
    report = {"demands": args.demands, "transitions": filled["transitions"], "contacts": filled["contacts"],
              "database": url.split(":", 1)[0], "fill_seconds": round(fill_s - filled["freeze_seconds"], 1),
              "freeze_seconds": filled["freeze_seconds"], "load_before": load,
              "load_after": os.getloadavg(), "goal_ms": GOAL_MS, "pages": pages, "peer_funnel_ms": peers,
              "open_round": args.open_round}
    width = max(len(p["page"]) for p in pages)
    print(f"{args.demands:,} demands, {filled['transitions']:,} transition rows, {report['database']}, "
          f"{'the last round open' if args.open_round else 'every round closed'}; "
          f"load average {load[0]:.1f} before, {report['load_after'][0]:.1f} after")
    print(f"{'page'.ljust(width)}  p50 ms  p95 ms  max ms  p95/300ms  first request ms")
    for p in pages:
        flag = "" if p["p95_ms"] <= GOAL_MS else "  over the goal"
        print(f"{p['page'].ljust(width)}  {p['p50_ms']:6.1f}  {p['p95_ms']:6.1f}  {p['max_ms']:6.1f}  "
              f"{p['goal_ratio']:9.2f}  {p['first_ms']:16.1f}{flag}")
    print(f"round freezes after the fill (16 jobs, 8 rounds): {filled['freeze_seconds']} s")
    print("funnel in process, median of 3: " + ", ".join(f"{k}: {v} ms" for k, v in peers.items()))
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
