"""Gate scans ("扫码+测温"): verify a token, read the temperature, pass or deny with a reason.

Decision order: token (form, key, signature, expiry, revocation) -> temperature (>= 37.3 °C denies
and flags) -> colour (only green passes) -> replay (a token id already accepted at this gate).
Every scan is stored per enterprise and gate; an offline scan synced later is verified as of the
time it was scanned, and ``client_scan_id`` makes a repeated sync harmless.

Gate staff get only ``{"result": "pass"|"deny", "reason": {...}}``: no name, no ID, no colour
history. Scans are purged with the retention period (privacy.purge); they are deliberately not
copied into the permanent audit log (that would keep everyone's movements forever), except fever
flags, audited with gate and scan id only.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, Principal
from fugong.enterprises.service import enterprise_region
from fugong.errors import shown
from fugong.healthcode.lifecycle import TZ, today
from fugong.healthcode.models import CheckIn, Gate, Person, Scan
from fugong.healthcode.people import mask_name
from fugong.healthcode.rules import reason_text
from fugong.healthcode.tokens import verify_many
from fugong.store.audit import record_change

FEVER_AT_GATE = 37.3  # °C, at or above denies (DESIGN.md §2, Hangzhou rules; 体温≥37.3℃)


GATE_ROLES = ("enterprise", "officer", "province_admin", "system")
DAY_VIEW_ROLES = ("enterprise", "service_officer", "officer", "province_admin", "system")


def register_gate(session: Session, principal: Principal, *, gate_id: str, enterprise_id: str, region_code: str,
                  name: str) -> Gate:
    """Register a gate of an enterprise (its own users, or officers of the enterprise's region).

    The enterprise's own region decides (``fugong.enterprises.service.enterprise_region``: the
    registry, else the meter store), never the region
    the request names: a Hangzhou officer cannot claim a Ningbo firm by giving its gate a Hangzhou code.
    """
    if principal.role not in GATE_ROLES:
        raise AccessDenied(f"{principal.actor} may not register gates")
    home = enterprise_region(session, enterprise_id)
    principal.require_enterprise(enterprise_id, home)
    if principal.role != "enterprise":
        principal.require_region(region_code)
    if session.get(Gate, gate_id) is not None:
        raise ValueError(f"gate {gate_id} already exists")
    gate = Gate(id=gate_id, enterprise_id=enterprise_id, region_code=region_code, name=name)
    session.add(gate)
    record_change(session, actor=principal.actor, action="healthcode.gate.register", entity="hc_gate", entity_id=gate_id,
                  region_code=region_code, after={"enterprise": enterprise_id, "name": name})
    session.flush()
    return gate


_GATES: dict[tuple[str, str], tuple[float, tuple[str, str, str]]] = {}
GATE_CACHE_S = 30.0  # gates change rarely; scans look them up at every request


def _gate_row(session: Session, gate_id: str) -> tuple[str, str, str] | None:
    """(id, enterprise id, region code) of a gate, cached per database for a few seconds."""
    key = (session.get_bind().url, gate_id)  # URL objects hash; no string rendering per scan
    hit = _GATES.get(key)
    if hit is not None and time.monotonic() - hit[0] < GATE_CACHE_S:
        return hit[1]
    gate = session.get(Gate, gate_id)
    if gate is None:
        return None
    row = (gate.id, gate.enterprise_id, gate.region_code)
    _GATES[key] = (time.monotonic(), row)
    return row


def gate_for(session: Session, principal: Principal, gate_id: str) -> Gate:
    """The gate, if the principal may scan there (returned detached: id, enterprise_id, region_code)."""
    row = _gate_row(session, gate_id)
    if row is None:
        raise LookupError(f"no gate {gate_id}")
    gate = Gate(id=row[0], enterprise_id=row[1], region_code=row[2], name="")
    if principal.role == "system":
        return gate
    if principal.role == "enterprise" and gate.enterprise_id in principal.enterprise_ids:
        return gate
    if principal.role == "gate_staff":
        # Gate staff accounts are scoped by region prefix (accounts links only enterprise users and
        # service officers to enterprises); when linked to enterprises, those are the limit.
        allowed = (gate.enterprise_id in principal.enterprise_ids if principal.enterprise_ids
                   else principal.can_see_region(gate.region_code))
        if allowed:
            return gate
    raise AccessDenied(f"{principal.actor} may not scan at gate {gate_id}")


def _answer(result: str, reason_code: str, scan_id: int) -> dict:
    return {"result": result, "reason": reason_text(reason_code), "scan_id": scan_id}


@dataclass(frozen=True)
class ScanRequest:
    """One scan to decide and store: who scans (the gate account), where, what, when."""

    principal: Principal
    gate_id: str
    token: str
    temperature: float | None = None
    scanned_at: dt.datetime | None = None  # None: now
    client_scan_id: str | None = None  # set by the offline gate page; a repeated sync is harmless
    offline: bool = False
    late: bool = False  # synced long after it was scanned: evidence the server could not check at the time
    too_old: bool = False  # dated beyond OFFLINE_MAX_AGE: not believed, stored as a deny


def scan(
    session: Session,
    principal: Principal,
    *,
    gate_id: str,
    token: str,
    temperature: float | None,
    scanned_at: dt.datetime | None = None,
    client_scan_id: str | None = None,
    offline: bool = False,
) -> dict:
    """Decide pass or deny at a gate and store the scan; returns what gate staff may see."""
    answer = scan_many(session, [ScanRequest(principal=principal, gate_id=gate_id, token=token,
                                             temperature=temperature, scanned_at=scanned_at,
                                             client_scan_id=client_scan_id, offline=offline)])[0]
    if isinstance(answer, Exception):
        raise answer
    return answer


def _reason(check, temperature: float | None) -> tuple[str, bool]:
    """(reason code, fever flag) for a verified token and a temperature, in the module's decision order."""
    if not check.ok:
        return check.reason_code, False
    if temperature is not None and float(temperature) >= FEVER_AT_GATE:
        return "DENY_FEVER", True
    colour = check.claims["k"]
    if colour == "green":
        return "PASS_GREEN", False
    return ("DENY_RED" if colour == "red" else "DENY_YELLOW"), False


# The batch queries, built once (Core on the session's connection: they run for every batch).
_scan = Scan.__table__.c
_SYNCED_BEFORE = (select(_scan.client_scan_id, _scan.result, _scan.reason_code, _scan.id)
                  .where(_scan.client_scan_id.in_(bindparam("ids", expanding=True))))
_ACCEPTED_BEFORE = select(_scan.accepted_key).where(_scan.accepted_key.in_(bindparam("keys", expanding=True)))
_INSERT = insert(Scan.__table__).returning(_scan.id, sort_by_parameter_order=True)


def scan_many(session: Session, requests: list[ScanRequest], *, check_replays: bool = True) -> list[dict | Exception]:
    """Decide and store a batch of scans in the caller's transaction, with a handful of queries for the
    whole batch (gate checks, earlier offline syncs, revocations, replays, one multi-row INSERT).

    ``check_replays=False`` skips the query for passes stored before (replays are rare): the unique
    key then refuses a replay's insert with ScanConflict, and the caller retries with the check (the
    group-commit writer does; a replay inside the batch is always caught).

    Returns, per request in order, the answer for gate staff or the refusal (AccessDenied for a gate
    the caller may not scan at, LookupError for an unknown gate, ValueError for a temperature that is
    not a body temperature); a refused request stores nothing, the others are unaffected. Within a
    batch the first pass of a token at a gate wins, a later one is a replay — as if one at a time.
    """
    return store_decided(session, decide_scans(session, requests, check_replays=check_replays))


@dataclass
class DecidedScans:
    """What ``decide_scans`` found (only reads), for ``store_decided`` (only writes)."""

    answers: list  # per request: an answer already known (an earlier sync), a refusal, or None
    rows: list  # (request index, gate, hc_scan row) to insert
    repeats: list  # (request index, index of the first request with the same client_scan_id)


def decide_scans(session: Session, requests: list[ScanRequest], *, check_replays: bool = True) -> DecidedScans:
    """The reading half of ``scan_many``: gate checks, verification, revocations, replays, no writes.
    The group-commit writer runs it outside the database's write lock."""
    answers: list[dict | Exception | None] = [None] * len(requests)
    todo: list[tuple[int, ScanRequest, Gate, dt.datetime]] = []
    for i, request in enumerate(requests):
        try:
            gate = gate_for(session, request.principal, request.gate_id)
            if request.temperature is not None and not 30.0 <= float(request.temperature) <= 45.0:
                raise ValueError(f"temperature {request.temperature} °C is not a body temperature reading")
        except (AccessDenied, LookupError, ValueError) as refusal:
            answers[i] = refusal
            continue
        todo.append((i, request, gate, (request.scanned_at or dt.datetime.now(TZ)).astimezone(TZ)))

    # Offline scans synced before (client_scan_id) get their stored answer; a repeat inside the
    # batch gets the answer of its first occurrence.
    client_ids = [request.client_scan_id for _, request, _, _ in todo if request.client_scan_id]
    stored: dict[str, tuple[str, str, int]] = {}
    if client_ids:
        stored = {row[0]: tuple(row[1:]) for row in session.connection().execute(
            _SYNCED_BEFORE, {"ids": client_ids})}
    first_of: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []
    fresh = []
    for item in todo:
        i, request = item[0], item[1]
        if request.client_scan_id in stored:
            answers[i] = _answer(*stored[request.client_scan_id])
        elif request.client_scan_id and request.client_scan_id in first_of:
            repeats.append((i, first_of[request.client_scan_id]))
        else:
            if request.client_scan_id:
                first_of[request.client_scan_id] = i
            fresh.append(item)

    checks = verify_many(session, [request.token for _, request, _, _ in fresh],
                         nows=[at.timestamp() for _, _, _, at in fresh])
    rows = []
    for (i, request, gate, at), check in zip(fresh, checks):
        # Only a token whose signature verified says whose code it is: a forged token's claims
        # (a real person's code id, a name to show) are never stored or shown as fact.
        claims = check.claims if check.signed else {}
        reason, flagged = _reason(check, request.temperature)
        if request.too_old:
            reason, flagged = "DENY_OFFLINE_TOO_OLD", False
        row = dict(gate_id=gate.id, enterprise_id=gate.enterprise_id, scanned_at=at, day=at.date(),
                   token_id=str(claims.get("t"))[:32] if claims else None,
                   code_id=str(claims.get("c"))[:24] if claims else None,
                   colour=str(claims.get("k"))[:8] if check.ok else None,
                   temperature=request.temperature, result="pass" if reason == "PASS_GREEN" else "deny",
                   reason_code=reason, flagged=flagged, client_scan_id=request.client_scan_id,
                   offline=request.offline, late=request.late or request.too_old,
                   actor=request.principal.actor, accepted_key=None)
        if row["result"] == "pass":
            row["accepted_key"] = f"{gate.id}:{row['token_id']}"
        rows.append((i, gate, row))
    _mark_replays([row for _, _, row in rows], session, check_stored=check_replays)
    return DecidedScans(answers=answers, rows=rows, repeats=repeats)


def store_decided(session: Session, decided: DecidedScans) -> list[dict | Exception]:
    """The writing half of ``scan_many``: one multi-row INSERT, fever flags to the audit log."""
    answers = list(decided.answers)
    ids = _insert_all(session, [row for _, _, row in decided.rows])
    for (i, gate, row), scan_id in zip(decided.rows, ids):
        answers[i] = _answer(row["result"], row["reason_code"], scan_id)
        if row["flagged"]:
            record_change(session, actor=row["actor"], action="healthcode.scan.fever", entity="hc_scan",
                          entity_id=str(scan_id), region_code=gate.region_code, after={"gate": gate.id})
    for i, first in decided.repeats:
        answers[i] = answers[first]
    return answers


def _mark_replays(rows: list[dict], session: Session, *, check_stored: bool = True) -> None:
    """A pass whose (gate, token id) was accepted before — stored, or earlier in this batch — is a replay."""
    keys = [row["accepted_key"] for row in rows if row["accepted_key"]]
    if not keys:
        return
    accepted: set[str] = set()
    if check_stored:
        accepted.update(session.connection().execute(_ACCEPTED_BEFORE, {"keys": keys}).scalars())
    for row in rows:
        key = row["accepted_key"]
        if key is None:
            continue
        if key in accepted:
            row.update(result="deny", reason_code="DENY_REPLAY", accepted_key=None)
        else:
            accepted.add(key)


class ScanConflict(RuntimeError):
    """Another worker stored the same pass (gate + token) or the same offline scan after this batch's
    checks: the unique keys refused the insert. Retry in a new transaction, which will see it."""


def _insert_all(session: Session, rows: list[dict]) -> list[int]:
    """Insert the rows with one multi-row INSERT … RETURNING (the gate's hot path skips the ORM unit of
    work). No savepoint: on SQLite (pysqlite's implicit transactions) releasing one commits, which
    would cost a second disk sync per batch and split the scans from their fever audit records."""
    if not rows:
        return []
    try:  # Core on the session's connection: no ORM bulk-persistence layer per batch
        return list(session.connection().execute(_INSERT, rows).scalars())
    except IntegrityError as exc:
        raise ScanConflict("a scan in this batch was stored meanwhile by another worker; retry") from exc


# Offline sync bounds. A scan is decided as of its scan time (an offline gate checked the token then),
# so a claimed scan time is only believed within OFFLINE_MAX_AGE: a week-old token back-dated into its
# validity window is denied (DENY_OFFLINE_TOO_OLD), and so is year 0001. The lower bound is not the
# gate's last sync, because several devices share one gate and each syncs on its own. A scan synced
# more than LATE_AFTER after it was made is marked ``late``: evidence the server could not check at
# the time (a revocation made meanwhile is applied, as online; the enterprise day view counts them).
OFFLINE_MAX_AGE = dt.timedelta(hours=24)
LATE_AFTER = dt.timedelta(minutes=15)


def sync_offline_scans(session: Session, principal: Principal, *, scans: list[dict]) -> list[dict]:
    """Store scans queued by an offline gate page; each is re-verified as of its scan time, within the
    bounds above, with the same checks as online (signature, expiry, revocation, replay, temperature).

    ``scans``: [{"client_scan_id": "...", "gate_id": "...", "token": "...", "temperature": 36.5,
    "scanned_at": "2020-02-20T08:01:02+08:00"}, ...]
    """
    requests = []
    now = dt.datetime.now(TZ)
    for item in scans:
        at = item["scanned_at"]
        at = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
        if at.tzinfo is None:
            at = at.replace(tzinfo=TZ)
        if at > now + dt.timedelta(minutes=5):
            raise ValueError(f"scan {shown(item.get('client_scan_id'))} is dated in the future")
        requests.append(ScanRequest(principal=principal, gate_id=str(item["gate_id"]), token=str(item["token"]),
                                    temperature=item.get("temperature"), scanned_at=at,
                                    client_scan_id=str(item["client_scan_id"]), offline=True,
                                    late=now - at > LATE_AFTER, too_old=now - at > OFFLINE_MAX_AGE))
    answers = scan_many(session, requests)
    for answer in answers:
        if isinstance(answer, Exception):
            raise answer  # the whole sync is refused (the page keeps its queue and shows the error)
    return [{"client_scan_id": item["client_scan_id"], **answer, "late": request.late or request.too_old}
            for item, request, answer in zip(scans, requests, answers)]


def enterprise_day(session: Session, principal: Principal, *, enterprise_id: str, day: dt.date | None = None) -> dict:
    """One enterprise's day: staff by colour, check-in rate, and who was denied (masked names)."""
    day = day or today()
    # Least privilege: department staff, gate staff, grid analysts and people have no need to see who
    # was denied at a firm's gate. Staff see the firms registered in their region (enterprise_region).
    if principal.role not in DAY_VIEW_ROLES:
        raise AccessDenied(f"{principal.actor} may not see enterprise staff")
    principal.require_enterprise(enterprise_id, enterprise_region(session, enterprise_id))
    staff = session.execute(select(Person.id, Person.colour, Person.code_id, Person.name)
                            .where(Person.enterprise_id == enterprise_id)).all()
    by_colour = Counter(colour or "none" for _, colour, _, _ in staff)
    ids = [pid for pid, _, _, _ in staff]
    checked = session.scalar(select(func.count()).select_from(CheckIn)
                             .where(CheckIn.day == day, CheckIn.person_id.in_(ids))) if ids else 0
    names = {code: mask_name(name) for _, _, code, name in staff}
    denied_rows = session.scalars(select(Scan).where(Scan.enterprise_id == enterprise_id, Scan.day == day,
                                                     Scan.result == "deny").order_by(Scan.scanned_at))
    denied = [{"at": s.scanned_at, "gate": s.gate_id, "who": names.get(s.code_id, "访客 visitor") if s.code_id else "未验证的码 unverified code",
               "flagged": s.flagged, "reason": reason_text(s.reason_code)} for s in denied_rows]
    scans_today = session.scalar(select(func.count()).select_from(Scan)
                                 .where(Scan.enterprise_id == enterprise_id, Scan.day == day))
    late = session.scalar(select(func.count()).select_from(Scan)
                          .where(Scan.enterprise_id == enterprise_id, Scan.day == day, Scan.late.is_(True)))
    return {
        "enterprise_id": enterprise_id, "day": day, "staff": len(staff), "late_synced_scans": late,
        "by_colour": {c: by_colour.get(c, 0) for c in ("green", "yellow", "red", "none")},
        "checked_in": checked, "checkin_rate": round(checked / len(staff), 4) if staff else None,
        "scans": scans_today, "denied": denied,
    }


def region_gates(session: Session, principal: Principal, *, day: dt.date) -> list[dict]:
    """The gates in an officer's region with the day's scans: passes, denials and fever flags::

        [{"id": "G1", "name": "北门", "enterprise_id": "E1", "region_code": "330106",
          "scans": 120, "passed": 112, "denied": 8, "flagged": 1}]
    """
    from sqlalchemy import case

    if principal.role not in ("officer", "province_admin", "system"):
        raise AccessDenied(f"{principal.actor} may not list the region's gates")
    gates = [g for g in session.scalars(select(Gate).order_by(Gate.region_code, Gate.id))
             if principal.can_see_region(g.region_code)]
    counts: dict[str, tuple[int, int, int]] = {}
    if gates:
        rows = session.execute(
            select(Scan.gate_id, func.count(), func.sum(case((Scan.result == "pass", 1), else_=0)),
                   func.sum(case((Scan.flagged.is_(True), 1), else_=0)))
            .where(Scan.day == day, Scan.gate_id.in_([g.id for g in gates])).group_by(Scan.gate_id))
        counts = {gate_id: (int(total), int(passed or 0), int(flagged or 0)) for gate_id, total, passed, flagged in rows}
    out = []
    for gate in gates:
        total, passed, flagged = counts.get(gate.id, (0, 0, 0))
        out.append({"id": gate.id, "name": gate.name, "enterprise_id": gate.enterprise_id,
                    "region_code": gate.region_code, "scans": total, "passed": passed, "denied": total - passed,
                    "flagged": flagged})
    return out


def enterprise_days(session: Session, principal: Principal, *, enterprise_id: str) -> list[dt.date]:
    """Days with scans at the enterprise's gates or check-ins of its staff (the day view's date picker)."""
    # The same rule as enterprise_day: the roles of the day view, the enterprise's own region.
    if principal.role not in DAY_VIEW_ROLES:
        raise AccessDenied(f"{principal.actor} may not see enterprise staff")
    principal.require_enterprise(enterprise_id, enterprise_region(session, enterprise_id))
    scans = set(session.scalars(select(Scan.day).where(Scan.enterprise_id == enterprise_id).distinct()))
    staff = select(Person.id).where(Person.enterprise_id == enterprise_id)
    checkins = set(session.scalars(select(CheckIn.day).where(CheckIn.person_id.in_(staff)).distinct()))
    return sorted(scans | checkins)
