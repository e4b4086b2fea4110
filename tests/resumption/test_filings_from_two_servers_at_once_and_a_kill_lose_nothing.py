"""Filings over HTTP from two servers at once, and a server killed while filings are in flight: every
filing answered is stored whole (its row, its create and submit transitions, their audit entries, the
enterprise's notice), none is stored twice, and an enterprise never ends up with two open filings —
also when the same enterprise files on both servers at the same moment (the unique index of open
filings lets one commit; the other is refused naming it). After the kill, another server takes over."""

from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from fugong.access import SYSTEM
from fugong.accounts import service as accounts
from fugong.resumption.models import Filing
from fugong.store.audit import AuditEntry
from fugong.store.db import session_scope
from fugong.workflow.models import Notification, TransitionRow
from tests.e2e.helpers import start_server
from tests.resumption.helpers import D, add_firm, publish

FIRMS = [f"E{n:04d}" for n in range(45)]
FORM = {"planned_start": "2020-02-21", "staff_planned": "12", "prevention_plan": "true",
        "protective_stock_days": "10", "orders_in_hand": "true"}


def _world(engine, db_url, tmp_path) -> tuple[dict, str]:
    with session_scope(engine) as session:
        publish(session, D(2020, 2, 18), {"330110": "yellow"})
        for n, eid in enumerate(FIRMS):
            add_firm(session, eid, serial=10_000 + n)
        accounts.add_user(session, actor=SYSTEM, username="yh-officer", role="officer", region_prefix="330110")
        token = accounts.create_api_token(session, actor=SYSTEM, username="yh-officer", name="test").token
    env = {"FUGONG_DATA_DIR": str(tmp_path / "data"), "FUGONG_DATABASE_URL": db_url,
           "FUGONG_SECRET_KEY": os.environ.get("FUGONG_SECRET_KEY", "filings-at-once-" + "s" * 32),
           "FUGONG_SCHEDULER": "false", "FUGONG_RESUMPTION_POLICY": "priorities-shanghai-2020",
           "FUGONG_LOG_LEVEL": "warning"}
    return env, token


def _file(base: str, token: str, eid: str) -> tuple[str, int, dict | None]:
    try:
        answer = httpx.post(f"{base}/resumption/filings", data={**FORM, "enterprise_id": eid}, timeout=30,
                            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    except httpx.HTTPError:
        return eid, 0, None  # no answer (the server was killed)
    return eid, answer.status_code, answer.json()


def _assert_whole(engine) -> dict[str, str]:
    """Every stored filing has exactly its two transitions, two audit entries and one notice; at most one
    open filing per enterprise. Returns {filing id: enterprise}."""
    with session_scope(engine) as s:
        stored = dict(s.execute(select(Filing.id, Filing.enterprise_id)).all())
        per_enterprise = s.execute(select(Filing.enterprise_id, func.count()).group_by(Filing.enterprise_id)).all()
        moves = dict(s.execute(select(TransitionRow.entity_id, func.count()).group_by(TransitionRow.entity_id)
                               .where(TransitionRow.machine == "resumption-filing")).all())
        audits = dict(s.execute(select(AuditEntry.entity_id, func.count()).group_by(AuditEntry.entity_id)
                                .where(AuditEntry.entity == "resumption-filing")).all())
        notes = dict(s.execute(select(Notification.entity_id, func.count()).group_by(Notification.entity_id)
                               .where(Notification.entity == "rs_filing")).all())
    assert all(count == 1 for _, count in per_enterprise)
    assert moves == {fid: 2 for fid in stored} and audits == {fid: 2 for fid in stored}
    assert notes == {fid: 1 for fid in stored}
    return stored


def test_two_servers_filing_for_the_same_enterprises_at_once(engine, db_url, tmp_path):
    env, token = _world(engine, db_url, tmp_path)
    with ThreadPoolExecutor(2) as pool:  # both start at once (each takes seconds to import and listen)
        (first, first_base), (second, second_base) = pool.map(lambda _: start_server(env), range(2))
    try:
        with ThreadPoolExecutor(16) as pool:  # each enterprise files on both servers at the same moment
            answers = list(pool.map(lambda job: _file(job[0], token, job[1]),
                                    [(base, eid) for eid in FIRMS for base in (first_base, second_base)]))
    finally:
        for process in (first, second):
            process.terminate()
            process.wait(timeout=20)
    ok = {body["id"]: eid for eid, status, body in answers if status == 200}
    refused = [(eid, body) for eid, status, body in answers if status != 200]
    assert sorted(ok.values()) == FIRMS  # exactly one filing per enterprise was accepted …
    assert len(refused) == len(FIRMS)
    assert all(body and "open filing" in body["en"] for _, body in refused)  # … the other refused, naming the open one
    assert _assert_whole(engine) == ok  # count in = count stored, nothing doubled


def test_a_server_killed_while_filing_loses_no_answered_filing(engine, db_url, tmp_path):
    env, token = _world(engine, db_url, tmp_path)
    with ThreadPoolExecutor(2) as pool:  # the server to kill, and the one that takes over
        (process, base), (spare, spare_base) = pool.map(lambda _: start_server(env), range(2))
    try:
        answered: list[tuple[str, int, dict | None]] = []
        with ThreadPoolExecutor(8) as pool:
            pending = [pool.submit(_file, base, token, eid) for eid in FIRMS]
            for future in pending:  # kill once a third is answered, with the rest in flight or queued
                answered.append(future.result())
                if len(answered) == len(FIRMS) // 3:
                    os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
        ok = {body["id"]: eid for eid, status, body in answered if status == 200}
        assert len(FIRMS) // 3 <= len(ok) < len(FIRMS)  # the kill came in the middle
        stored = _assert_whole(engine)
        assert set(ok) <= set(stored)  # every answered filing is stored, whole

        # Filed again on the server that takes over: the ones stored but unanswered are refused (their
        # open filing is named); the rest are stored now. One filing per enterprise in the end.
        again = [_file(spare_base, token, eid) for eid in FIRMS if eid not in ok.values()]
    finally:
        for server in (process, spare):
            server.kill()
            server.wait(timeout=20)
    for eid, status, body in again:
        assert status == 200 or (status == 422 and "open filing" in body["en"]), (eid, status, body)
    final = _assert_whole(engine)
    assert sorted(final.values()) == FIRMS
