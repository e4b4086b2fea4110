"""Filing at scale: many create-and-submit filings decided together, written in a few statements.

In the first days of a resumption campaign a province's enterprises file at once (a county's
deadline, a notice in the evening news): hundreds a second. ``create_filing`` + ``submit_filing`` take
one filing through the ORM in about twenty statements; here a batch of filings is read in a handful
of queries (the enterprises, their white lists, their open filings, their rosters and the health
codes of them, the counties' risk levels) and written in five or six (filings, transition rows, audit
entries, notifications, outbox messages, jobs), deciding each filing with the same rules
(``filings.checklist_items``, ``policies.Policy``, ``filings.decide_on_commitment``)::

    answers = file_many(session, [FilingRequest(principal=p, enterprise_id="E0000001",
                                                planned_start=date(2020, 2, 21), answers={...}), ...])
    answers[0]   # the receipt (filings.receipt), or the refusal: AccessDenied, LookupError, FilingRefused …

A refused request costs the others nothing (each answer is its own). The web form and API
(``POST /resumption/filings``) queue their filings on a ``FilingWriter`` (one per process): the
filings that arrive together share one transaction (fugong.workflow.group_commit) and each caller
gets its answer after the commit. A filing of a new row goes straight to its final state in one
INSERT: its transition rows (create, submit, and a commitment decision) say how it got there, with
the times and actors ``move`` would have recorded. Two writers filing for one enterprise at once:
the unique index on open filings (migration 0012) lets one commit; the other's batch runs again and
is refused like any second filing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, Principal
from fugong.enterprises.models import Enterprise
from fugong.enterprises.service import classes_of, scoped, white_listed_on
from fugong.resumption import filings
from fugong.resumption.filings import OPEN_STATES, STAFF_ROLES, TZ
from fugong.resumption.gate import county_gates, severity_of_regions
from fugong.resumption.models import Employee, Filing
from fugong.resumption.policies import FilingRefused, Policy
from fugong.resumption.safety import coverage_of
from fugong.store.db import session_scope
from fugong.workflow import jobs, outbox
from fugong.workflow.group_commit import GroupCommit, Retry
from fugong.workflow.sql import insert_many
from fugong.workflow.transitions import Move, record_moves, utc

CHUNK = 500  # ids per IN (…) list: SQLite's parameter limit, and plans that stay simple
SYSTEM = Principal(user_id="commitment", role="system")


@dataclass(frozen=True)
class FilingRequest:
    """One enterprise's filing as the form sends it (create and submit in one step)."""

    principal: Principal
    enterprise_id: str
    planned_start: dt.date
    staff_planned: int = 0
    answers: dict = field(default_factory=dict)
    pledge_signed_by: str | None = None
    pledge_version: str | None = None


@dataclass
class _Loaded:
    """What the batch's decisions read, loaded once for all its enterprises."""

    enterprises: dict[str, Enterprise]
    white_listed: set[str]
    open_filings: dict[str, str]
    staff: dict[str, list]
    colours: dict[str, str | None]


def _chunks(ids: list[str]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _load(session: Session, ids: list[str], rules: Policy, day: dt.date) -> _Loaded:
    from fugong.resumption.roster import colours_on

    enterprises = {e.enterprise_id: e for chunk in _chunks(ids)
                   for e in session.scalars(select(Enterprise).where(Enterprise.enterprise_id.in_(chunk)))}
    open_filings = {eid: fid for chunk in _chunks(ids) for eid, fid in session.execute(
        select(Filing.enterprise_id, Filing.id).where(Filing.enterprise_id.in_(chunk), Filing.state.in_(OPEN_STATES)))}
    staff: dict[str, list] = {}
    needs_roster = ("staff_green_share" in rules.checklist or rules.checklist.get("safety_posts_covered")
                    or rules.mode == "commitment")
    if needs_roster:
        columns = (Employee.enterprise_id, Employee.employee_no, Employee.name, Employee.person_id, Employee.post,
                   Employee.certificate, Employee.status, Employee.origin_region, Employee.planned_return)
        for chunk in _chunks(ids):
            for row in session.execute(select(*columns).where(Employee.enterprise_id.in_(chunk))):
                staff.setdefault(row.enterprise_id, []).append(row)
    people = sorted({e.person_id for rows in staff.values() for e in rows if e.person_id})
    colours = {k: v for chunk in _chunks(people) for k, v in colours_on(session, chunk).items()}
    return _Loaded(enterprises=enterprises, white_listed=white_listed_on(session, ids, day), open_filings=open_filings,
                   staff=staff, colours=colours)


def file_many(session: Session, requests: list[FilingRequest], *, policy: Policy | str | None = None,
              at: dt.datetime | None = None) -> list[dict | Exception]:
    """Create and submit a filing for each request in the session's transaction; one answer per
    request, in order: the receipt, or the refusal (not raised)."""
    rules = filings.active_policy(policy)
    at = utc(at)
    day = at.astimezone(TZ).date()
    machine = filings.machine()
    loaded = _load(session, sorted({r.enterprise_id for r in requests if r.enterprise_id}), rules, day)
    gates = {}
    if rules.mode == "commitment":
        gates = county_gates(session, counties={e.region_code for e in loaded.enterprises.values()}, day=day)
    severity = []  # made once, when a commitment draw first needs it

    def risk_share(eid: str) -> float:
        if not severity:
            severity.append(severity_of_regions(session, day=day))
        origins = [e.origin_region for e in loaded.staff.get(eid, ()) if e.status != "left"]
        return filings.risk_staff_share(origins, severity[0], rules)

    answers: list[dict | Exception] = []
    rows, moves, notes, due = [], [], [], []
    for request in requests:
        try:
            row, filing_moves, job = _decide(request, rules=rules, loaded=loaded, gates=gates, at=at, day=day,
                                             machine=machine, risk_share=risk_share)
        except (AccessDenied, LookupError, ValueError, filings.TransitionRefused) as refusal:
            answers.append(refusal)
            continue
        loaded.open_filings[row["enterprise_id"]] = row["id"]  # a second request for it in this batch is refused
        rows.append(row)
        moves += filing_moves
        due += [job] if job else []
        answers.append(filings.receipt(SimpleNamespace(**row)))
    if not rows:
        return answers
    insert_many(session, Filing, rows)
    ids = record_moves(session, machine=machine, moves=moves)
    by_id = {row["id"]: row for row in rows}
    for move, transition_id in zip(moves, ids):
        # as ``filings.move`` tells: every transition but the creation (a new draft is nobody's news)
        told = filings.notice(move.entity_id, move.after, move.reason) if move.before is not None else None
        if told is None:
            continue
        row = by_id[move.entity_id]
        notes.append({"dedupe_key": f"resumption-filing:{transition_id}", "recipient_kind": "enterprise",
                      "recipient_id": row["enterprise_id"], "region_code": row["region_code"],
                      "kind": f"filing.{move.after}", "subject": told[0], "body": told[1],
                      "link": f"/resumption/filings/{move.entity_id}", "entity": "rs_filing",
                      "entity_id": move.entity_id, "email": loaded.enterprises[row["enterprise_id"]].contact_email,
                      "at": at})
    outbox.notify_many(session, notes, channels=filings.notice_channels())
    jobs.schedule_many(session, due, at=at)
    return answers


def _decide(request: FilingRequest, *, rules: Policy, loaded: _Loaded, gates, at, day, machine,
            risk_share) -> tuple[dict, list[Move], dict | None]:
    """One filing: (its row in its final state, its transitions, the confirmation job or None); raises the
    refusal. The checks and their order are ``create_filing``'s then ``submit_filing``'s."""
    principal, eid = request.principal, request.enterprise_id
    if principal.role not in ("enterprise",) + STAFF_ROLES:
        raise AccessDenied(f"{principal.actor} may not file")
    enterprise = scoped(principal, eid, lambda: loaded.enterprises.get(eid))
    classes = classes_of(enterprise, eid in loaded.white_listed)
    flags = filings.flags_of(enterprise)
    rules.check_window(classes=classes, flags=flags, day=day)
    if eid in loaded.open_filings:
        open_filing = loaded.open_filings[eid]
        raise FilingRefused(f"本企业已有进行中的复工备案 {open_filing}", f"the enterprise has an open filing {open_filing}")
    if request.staff_planned < 0:
        raise ValueError("staff_planned: a number of people, 0 or more")
    answers = dict(request.answers or {})
    staff = loaded.staff.get(eid, [])
    planned = filings.planned_on_site(staff, request.planned_start)
    posts = coverage_of(staff, loaded.colours) if rules.checklist.get("safety_posts_covered") else []
    checklist = filings.checklist_items(rules, answers=answers, planned=planned, colours=loaded.colours, posts=posts)
    score, met = None, []
    if rules.priorities:
        score, met = rules.score(classes=classes, flags=flags, above_scale=enterprise.above_scale,
                                 size_class=enterprise.size_class, answers=answers)
    pledge = (None, None, None)
    if request.pledge_signed_by:
        if rules.pledge is None or request.pledge_version != rules.pledge["version"]:
            raise FilingRefused("承诺书版本不符，请阅读并签署当前版本", "the pledge signed is not the current version: read and sign it again")
        pledge = (request.pledge_version, request.pledge_signed_by.strip()[:80], at)
    submit = machine.transition_for(machine.initial, "submit", principal.role)
    failed = [item for item in checklist if not item["ok"]]
    fid = filings.new_filing_id(day)

    def step(action, before, after, who, reason=None, data=None) -> Move:
        return Move(entity_id=fid, action=action, before=before, after=after, principal=who,
                    region_code=enterprise.region_code, reason=(reason or "").strip() or None, data=data, at=at)

    moves = [step("create", None, machine.initial, principal),
             step("submit", machine.initial, submit.to, principal,
                  data={"checklist_failed": [i["key"] for i in failed], "classes": list(classes), "priorities": met,
                        "policy": rules.ref})]
    state, probability, sampled, job = submit.to, None, None, None
    if rules.mode == "commitment":
        decision = filings.decide_on_commitment(rules, filing_id=fid, gate=gates[enterprise.region_code],
                                                classes=classes, failed=failed, pledged=bool(pledge[1]),
                                                risk_share=lambda: risk_share(eid))
        if decision.action is None:
            answers["_review_reasons"] = list(decision.review_reasons)
        else:
            # The guard of granting (measures_allow) is the decision's own first test: the same gate, day and classes.
            to = machine.transition_for(state, decision.action, SYSTEM.role).to
            moves.append(step(decision.action, state, to, SYSTEM, decision.reason, decision.data))
            state = to
            if decision.action == "grant_provisional":
                probability, sampled = decision.probability, decision.sampled
                if not sampled and rules.sampling is not None:
                    job = filings.confirm_job(rules, fid, at)
    row = dict(id=fid, enterprise_id=eid, region_code=enterprise.region_code, policy=rules.ref, kind="single",
               bundle_id=None, planned_start=request.planned_start, staff_planned=request.staff_planned,
               answers=answers, checklist=checklist, classes=list(classes), priority_score=score,
               pledge_version=pledge[0], pledge_signed_by=pledge[1], pledge_signed_at=pledge[2],
               sample_probability=probability, sampled=sampled, declared_resumed_on=None, created_by=principal.actor,
               created_at=at, submitted_at=at, state=state, state_version=len(moves) - 1, state_changed_at=at)
    return row, moves, job


class FilingWriter(GroupCommit):
    """The process's queue of filings from the web: a batch per transaction (see the module docstring)."""

    name = "fugong-filing-writer"

    def __init__(self, engine, *, policy: Policy | str | None = None, **options) -> None:
        super().__init__(engine, **options)
        self.policy = policy

    def write(self, items: list[FilingRequest], attempt: int) -> list:
        try:
            with self.lock, session_scope(self.engine) as session:
                return file_many(session, items, policy=self.policy)
        except IntegrityError as conflict:
            # Another worker committed a filing for one of these enterprises since our read (the unique
            # index on open filings): the batch again sees it and refuses that one.
            raise Retry(error=conflict) from conflict
