"""Filings decided in a batch (resumption.intake.file_many, what the web's form and API use) are stored
exactly as the same filings created and submitted one at a time through the services (create_filing
+ submit_filing, one transaction each): the filing rows, their transition rows, audit entries,
notifications and jobs, and the same refusals with the same reasons — under each preset policy, over a
world with rosters, health codes, a white list, risk levels that allow and refuse, an open filing and
two requests for one enterprise."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import uuid

import pytest
from sqlalchemy import select, text

from fugong.access import Principal
from fugong.enterprises.service import add_to_white_list, create_white_list
from fugong.resumption import filings
from fugong.resumption.intake import FilingRequest, file_many
from fugong.resumption.models import Employee, Filing
from fugong.store.audit import AuditEntry
from fugong.store.db import connect, session_scope, upgrade
from fugong.workflow.models import Job, Notification, OutboxMessage, TransitionRow
from tests.resumption.helpers import ANSWERS, D, add_firm, at, firm_user, policy_file, publish, staff

DAY = D(2020, 2, 25)  # period 3 of Wenzhou's illustrative dates: everyone may file
PLEDGE = {"pledge_signed_by": "张三（法定代表人）", "pledge_version": "harbin-2020-v1"}
HANGZHOU_CITY = Principal(user_id="hz-officer", role="officer", region_prefix="3301")


def _world(session) -> None:
    """Enterprises in three counties of Hangzhou: a blue county (commitment on), a yellow one and a red one."""
    publish(session, D(2020, 2, 20), {"330110": "blue", "330102": "yellow", "330106": "red"})
    add_firm(session, "E01")
    staff(session, "E01", 6, day=D(2020, 2, 10), start=1)
    add_firm(session, "E02", enterprise_class="epidemic_supplies", essential_supply=True, export=True)
    staff(session, "E02", 4, day=D(2020, 2, 10), prefix="B", start=20, colour="yellow")  # green share 0
    add_firm(session, "E03", region="330102")
    staff(session, "E03", 3, day=D(2020, 2, 10), prefix="C", start=40)
    add_firm(session, "E04", region="330106")  # red: industrial firms may not resume
    add_firm(session, "E05", region="330106", size_class="large")
    white = create_white_list(session, HANGZHOU_CITY, name="白名单（示例）", region_prefix="3301", starts_on=D(2020, 2, 1))
    add_to_white_list(session, HANGZHOU_CITY, list_id=white.id, enterprise_ids=["E05"], reason="重点企业")
    add_firm(session, "E06")
    add_firm(session, "E07")
    for n in range(8, 15):  # plain firms in the blue county with green rosters, for the sampling draw
        add_firm(session, f"E{n:02d}")
        staff(session, f"E{n:02d}", 2, day=D(2020, 2, 10), prefix=f"S{n}", start=100 + 10 * n)
    # E03's safety manager is quarantined: the post is uncovered
    manager = session.scalar(select(Employee).where(Employee.enterprise_id == "E03", Employee.employee_no == "C000"))
    manager.status = "quarantined"
    # E06 already has an open filing
    filings.create_filing(session, firm_user("E06"), enterprise_id="E06", planned_start=DAY, policy=_policy_ref("periods"),
                          at=at(D(2020, 2, 24)))


def _policy_ref(kind: str) -> str:
    return {"periods": "periods-wenzhou-2020", "priorities": "priorities-shanghai-2020",
            "commitment": "commitment-harbin-2020"}[kind]


def _requests(kind: str) -> list[FilingRequest]:
    pledge = PLEDGE if kind == "commitment" else {}
    ask = []
    for n, eid in enumerate(["E01", "E02", "E03", "E04", "E05", "E06", "E01", "E99"] + [f"E{n:02d}" for n in range(8, 14)]):
        region = {"E03": "330102", "E04": "330106", "E05": "330106"}.get(eid, "330110")
        answers = dict(ANSWERS) if n % 3 else {**ANSWERS, "protective_stock_days": 1, "prevention_plan": n % 2 == 0}
        ask.append(FilingRequest(principal=firm_user(eid, region), enterprise_id=eid, planned_start=DAY + dt.timedelta(days=1),
                                 staff_planned=5 + n, answers=answers, **pledge))
    # an officer of the city files for E07; an enterprise user for another enterprise; a stale pledge; a negative count
    ask.append(FilingRequest(principal=HANGZHOU_CITY, enterprise_id="E07", planned_start=DAY, answers=ANSWERS, **pledge))
    ask.append(FilingRequest(principal=firm_user("E08"), enterprise_id="E09", planned_start=DAY, answers=ANSWERS))
    ask.append(FilingRequest(principal=Principal(user_id="nb", role="officer", region_prefix="3302"), enterprise_id="E10",
                             planned_start=DAY, answers=ANSWERS))
    ask.append(FilingRequest(principal=firm_user("E14"), enterprise_id="E14", planned_start=DAY, staff_planned=-1))
    return ask


def _twin(engine, url: str, tmp_path) -> str:
    """A copy of the database as it is now (SQLite: the file; PostgreSQL: a database made from it)."""
    engine.dispose()
    if url.startswith("sqlite"):
        copy = tmp_path / f"twin-{uuid.uuid4().hex[:6]}.db"
        shutil.copyfile(url.removeprefix("sqlite:///"), copy)
        return f"sqlite:///{copy}"
    from sqlalchemy import create_engine

    name = url.rsplit("/", 1)[1].split("?")[0]
    twin = f"{name}_twin"
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{twin}" TEMPLATE "{name}"'))
    admin.dispose()
    return url.replace(f"/{name}", f"/{twin}")


def _drop(url: str) -> None:
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine

        name = url.rsplit("/", 1)[1].split("?")[0]
        admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _answer(value) -> tuple:
    if isinstance(value, Exception):
        return (type(value).__name__, str(value), getattr(value, "zh", None), getattr(value, "en", None))
    return ("receipt", value)


def _one_at_a_time(engine, requests, policy, when) -> list:
    answers = []
    for request in requests:
        try:
            with session_scope(engine) as session:
                filing = filings.create_filing(session, request.principal, enterprise_id=request.enterprise_id,
                                               planned_start=request.planned_start, staff_planned=request.staff_planned,
                                               answers=request.answers, policy=policy, at=when)
                filings.submit_filing(session, request.principal, filing_id=filing.id,
                                      pledge_signed_by=request.pledge_signed_by, pledge_version=request.pledge_version,
                                      policy=policy, at=when)
                answers.append(_answer(filings.receipt(filing)))
        except Exception as refusal:  # noqa: BLE001 - compared with the batch's refusal
            answers.append(_answer(refusal))
    return answers


def _stored(engine) -> dict:
    """What was stored, without surrogate ids and database clocks."""
    with session_scope(engine) as s:
        moves = list(s.scalars(select(TransitionRow).where(TransitionRow.machine == "resumption-filing")
                               .order_by(TransitionRow.id)))
        by_id = {m.id: (m.entity_id, m.action) for m in moves}
        notes = list(s.scalars(select(Notification).order_by(Notification.id)))
        return {
            "filings": [{c.key: getattr(f, c.key) for c in Filing.__table__.columns}
                        for f in s.scalars(select(Filing).order_by(Filing.id))],
            "transitions": [(m.entity_id, m.action, m.from_state, m.to_state, m.actor, m.role, m.reason, m.data, m.at,
                             m.region_code, m.machine_version) for m in moves],
            "audit": [(a.actor, a.action, a.entity, a.entity_id, a.region_code, a.before, a.after, a.reason)
                      for a in s.scalars(select(AuditEntry).where(AuditEntry.entity == "resumption-filing")
                                         .order_by(AuditEntry.id))],
            "notifications": [(by_id[int(n.dedupe_key.split(":")[1])], n.recipient_kind, n.recipient_id, n.region_code,
                               n.kind, n.subject_zh, n.subject_en, n.body_zh, n.body_en, n.link, n.entity, n.entity_id,
                               n.created_at) for n in notes],
            "jobs": [(j.kind, j.key, j.due_at, j.payload, j.status) for j in s.scalars(select(Job).order_by(Job.key))],
            "outbox": [(m.channel, m.target, m.status, m.attempts, m.next_attempt_at, m.created_at, m.dedupe_key.split("/")[-1])
                       for m in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))],
        }


@pytest.mark.parametrize("kind", ["priorities", "periods", "commitment"])
def test_a_batch_stores_what_one_at_a_time_stores(kind, engine, db_url, tmp_path, monkeypatch):
    from fugong.config import get_settings

    monkeypatch.setenv("FUGONG_WEBHOOK_URL", "http://127.0.0.1:9/hook")  # every notice also goes to the outbox
    get_settings.cache_clear()
    policy = _policy_ref(kind)
    if kind == "commitment":  # half of them sampled: both outcomes of the draw
        policy = policy_file(tmp_path, "commitment-harbin-2020", **{"rate = 0.10": "rate = 0.5"})
    with session_scope(engine) as session:
        _world(session)
    twin = _twin(engine, db_url, tmp_path)
    other = connect(twin)
    upgrade(other)
    requests = _requests(kind)
    when = at(D(2020, 2, 18) if kind == "periods" else DAY, 9)  # Wenzhou's period 2: the window refuses some
    try:
        counter = itertools.count(1)
        monkeypatch.setattr(filings, "new_filing_id", lambda day: f"F{day:%Y%m%d}-{next(counter):08x}")
        single = _one_at_a_time(engine, requests, policy, when)
        counter = itertools.count(1)
        with session_scope(other) as session:
            batch = [_answer(a) for a in file_many(session, requests, policy=policy, at=when)]
        assert batch == single
        kinds = [a[0] for a in batch]
        refusals = {"FilingRefused", "OutOfScope", "LookupError"} | ({"ValueError"} if kind != "periods" else set())
        assert kinds.count("receipt") >= 2 and refusals <= set(kinds)
        ours, theirs = _stored(other), _stored(engine)
        assert ours == theirs
        assert len(ours["outbox"]) == len(ours["notifications"]) > 0
        states = {f["state"] for f in ours["filings"]}
        if kind == "commitment":  # every outcome of a commitment filing is in the comparison
            assert {"provisionally_approved", "rejected", "submitted"} <= states
            assert {f["sampled"] for f in ours["filings"]} >= {True, False} and ours["jobs"]
        else:
            assert states == {"submitted", "draft"}
        if kind == "priorities":
            assert len({f["priority_score"] for f in ours["filings"]}) > 1
    finally:
        other.dispose()
        _drop(twin)
