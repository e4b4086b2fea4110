"""Web routes of the healthcode domain: a thin router over the services.

Pages (HTML, each with a JSON twin from the same service call):
  /code/me                       the person's code: colour, reason, QR refreshed before it expires
  /code/gate                     the phone-width gate page (verifies offline in the browser)
  /code/enterprise/{id}/today    an enterprise's day: staff by colour, check-in rate, who was denied
JSON API under /api/code/…: keys (public), me, token, declarations, checkins, appeals, scan,
scans/sync, gates, people/{id}, lists, overrides.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from fugong.access import AccessDenied, Principal
from fugong.accounts.guard import SIGNED_IN, allow, declared, public
from fugong.accounts.web import csrf_token, db_engine
from fugong.healthcode.rules import reason_text

router = APIRouter(tags=["healthcode"])
# The gate scan alone, included first by create_app: it is the busiest route (1,000 scans/s at a
# shift change) and route matching is a linear walk (about 2 µs per route passed on the way).
gate_router = APIRouter(tags=["healthcode"])
STAFF = ("officer", "province_admin")
GATE_USERS = ("gate_staff", "enterprise")

# The access declarations of this router (fugong.accounts.guard): who may call, and how scope applies.
PERSON = allow("person", scope="own")
STAFF_OF_REGION = allow(*STAFF, scope="region")
GATES_LIST = allow(*GATE_USERS, *STAFF, scope="enterprise", note="the gates the caller may scan at or manage")
GATE_REGISTER = allow("enterprise", *STAFF, scope="enterprise",
                      note="an enterprise's own gates; staff for enterprises registered in their region")
# Least privilege: department staff resolve demands and have no need for who was denied at a gate.
ENTERPRISE_DAY = allow("enterprise", "service_officer", *STAFF, scope="enterprise")
GATE = allow(*GATE_USERS, scope="enterprise", note="gate staff at gates of their region or enterprises; "
             "an enterprise user at its own gates")


_STATE_LOCK = threading.Lock()


def _run(request: Request, work: Callable[[Any], Any], *, writes: bool = False) -> Any:
    """Run a service call in one transaction; map domain errors to HTTP answers.

    SQLite has one writer: concurrent write transactions would wait in SQLite's busy handler, which
    sleeps (up to 100 ms a try); writes here queue on ``store.db.write_lock`` instead (nothing to
    queue on PostgreSQL).
    """
    from fugong.store.db import session_scope, write_lock

    engine = db_engine(request.app)
    lock = write_lock(engine) if writes else contextlib.nullcontext()
    try:
        with lock, session_scope(engine) as session:
            return work(session)
    except AccessDenied:
        raise HTTPException(status_code=403, detail="access denied / 无权访问") from None
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


def _page(request: Request, name: str, context: dict) -> HTMLResponse:
    from fugong.web.app import language, templates
    from fugong.web.i18n import t

    lang = language(request, request.app.state.settings)
    return templates.TemplateResponse(request, f"healthcode/{name}", {
        "lang": lang, "t": lambda key: t(key, lang), "csrf_token": csrf_token(request), **context})


# --- public ---------------------------------------------------------------------------------------

@router.get("/api/code/keys", dependencies=[Depends(public(
    "public Ed25519 verification keys (JWK, never the private part) for offline gate pages"))])
def keys(request: Request) -> JSONResponse:
    """Public signing keys (JWK, Ed25519): gates verify tokens against these, offline too."""
    from fugong.healthcode.tokens import public_keys

    def work(session):  # a read: it never creates a key (fugong code keys rotate does)
        return {"keys": public_keys(session)}

    return JSONResponse(_run(request, work), headers={"Cache-Control": "public, max-age=300"})


# --- the person -----------------------------------------------------------------------------------

class DeclarationIn(BaseModel):
    current_region: str
    temperature: float
    symptoms: list[str] = Field(default_factory=list)
    travel: list[dict] = Field(default_factory=list)
    contact_with_case: bool = False


class CheckInIn(BaseModel):
    temperature: float
    symptoms: list[str] = Field(default_factory=list)


def _me(session, principal: Principal) -> dict:
    from fugong.healthcode.people import person_of, person_record

    person = person_of(session, principal)
    return person_record(session, principal, person_id=person.id, purpose="self")


def _token(session, principal: Principal) -> dict:
    from fugong.healthcode.people import person_of
    from fugong.healthcode.tokens import decode, issue_token, qr_svg

    token = issue_token(session, person=person_of(session, principal))
    claims = decode(token)[1]
    return {"token": token, "colour": claims["k"], "expires": claims["e"], "svg": qr_svg(token)}


@router.get("/api/code/me")
def me_json(request: Request, principal: Principal = Depends(PERSON)) -> dict:
    return _run(request, lambda s: _me(s, principal))


@router.get("/api/code/me/token")
def me_token(request: Request, principal: Principal = Depends(PERSON)) -> JSONResponse:
    """A fresh signed token and its QR (SVG); the page fetches a new one before this one expires.
    Rate-limited per person in the database (every worker shares the count): the page needs one a minute."""
    from fugong.accounts.web import policy, rate_limited, too_many

    rules = policy(request.app)
    retry = rate_limited(request, key=f"token:{principal.user_id}", limit=rules.tokens_per_user,
                         window_seconds=rules.token_window_seconds)
    if retry:
        raise too_many(retry)
    return JSONResponse(_run(request, lambda s: _token(s, principal)), headers={"Cache-Control": "no-store"})


@router.get("/code/me", response_class=HTMLResponse, include_in_schema=False)
def me_page(request: Request, principal: Principal = Depends(PERSON)):
    def work(session):
        record = _me(session, principal)
        return record, (_token(session, principal) if record["colour"] else None)

    record, token = _run(request, work)
    return _page(request, "me.html", {"record": record, "token": token})


@router.post("/api/code/declarations")
def declarations(request: Request, body: DeclarationIn, principal: Principal = Depends(PERSON)):
    from fugong.healthcode.declarations import declare

    return _run(request, lambda s: declare(s, principal, **body.model_dump()))


@router.post("/api/code/checkins")
def checkins(request: Request, body: CheckInIn, principal: Principal = Depends(PERSON)):
    from fugong.healthcode.lifecycle import check_in

    return _run(request, lambda s: check_in(s, principal, temperature=body.temperature, symptoms=body.symptoms))


@router.post("/api/code/appeals")
def appeals_file(request: Request, statement: str = Body(..., embed=True, max_length=2000),
                 principal: Principal = Depends(PERSON)):
    from fugong.healthcode.appeals import file_appeal

    return _run(request, lambda s: {"appeal": file_appeal(s, principal, statement=statement).id, "status": "open"})


# --- gates ----------------------------------------------------------------------------------------

class ScanIn(BaseModel):
    gate_id: str = Field(max_length=40)
    token: str = Field(max_length=1000)
    temperature: float | None = None


class QueuedScan(ScanIn):
    client_scan_id: str = Field(max_length=64)
    scanned_at: dt.datetime



def _scan_writer(app):
    """The app's group-commit writer for gate scans (one per process)."""
    writer = getattr(app.state, "scan_writer", None)
    if writer is None:
        with _STATE_LOCK:
            writer = getattr(app.state, "scan_writer", None)
            if writer is None:
                from fugong.healthcode.scan_writer import ScanWriter

                from fugong.store.db import write_lock

                engine = db_engine(app)
                writer = app.state.scan_writer = ScanWriter(engine, lock=write_lock(engine))
    return writer


@gate_router.post("/api/code/scan", openapi_extra={"requestBody": {
    "required": True, "content": {"application/json": {"schema": ScanIn.model_json_schema()}}}})
@declared(GATE)
async def scan_route(request: Request) -> JSONResponse:
    """Verify a token at a gate with a temperature: pass or deny with the reason (nothing else).

    Body: ``{"gate_id": "G1", "token": "HC1.…", "temperature": 36.5}``. The answer comes after the scan
    is committed; scans arriving together share one transaction (healthcode.scan_writer). The
    busiest route of the app, so it reads its body and caller itself instead of through FastAPI's
    dependency solver (a third of the request's time in a profile at 600 scans/s).
    """
    from pydantic import ValidationError

    from fugong.healthcode.scans import ScanRequest

    principal = await GATE.check(request)
    try:
        body = ScanIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise HTTPException(status_code=422, detail=exc.errors(include_url=False, include_input=False)) from None
    future = _scan_writer(request.app).submit(ScanRequest(principal=principal, gate_id=body.gate_id, token=body.token,
                                                          temperature=body.temperature))
    try:
        return JSONResponse(await asyncio.wrap_future(future))
    except AccessDenied:
        raise HTTPException(status_code=403, detail="access denied / 无权访问") from None
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


@router.post("/api/code/scans/sync")
def scans_sync(request: Request, scans: list[QueuedScan] = Body(..., embed=True, max_length=1000),
               principal: Principal = Depends(GATE)) -> dict:
    """Store scans an offline gate page queued; each is re-verified as of its scan time."""
    from fugong.healthcode.scans import sync_offline_scans

    from fugong.healthcode.scans import ScanConflict

    items = [s.model_dump() for s in scans]
    try:
        return {"results": _run(request, lambda s: sync_offline_scans(s, principal, scans=items), writes=True)}
    except ScanConflict:  # another worker stored one of them meanwhile; the page keeps its queue and retries
        raise HTTPException(status_code=409, detail="retry the sync / 请重试同步") from None


@router.get("/api/code/gates")
def gates(request: Request, principal: Principal = Depends(GATES_LIST)) -> dict:
    """The gates the caller may scan at."""
    from sqlalchemy import select

    from fugong.healthcode.models import Gate
    from fugong.healthcode.scans import gate_for

    def work(session):
        mine = []
        for gate in session.scalars(select(Gate).order_by(Gate.id)):
            try:
                gate_for(session, principal, gate.id)
            except AccessDenied:
                continue
            mine.append({"id": gate.id, "name": gate.name, "enterprise_id": gate.enterprise_id})
        return {"gates": mine}

    return _run(request, work)


class GateIn(BaseModel):
    gate_id: str = Field(max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    enterprise_id: str = Field(max_length=40)
    region_code: str = Field(pattern=r"^\d{6}$")
    name: str = Field(max_length=80)


@router.post("/api/code/gates")
def gates_register(request: Request, body: GateIn,
                   principal: Principal = Depends(GATE_REGISTER)) -> dict:
    from fugong.healthcode.scans import register_gate

    return _run(request, lambda s: {"gate": register_gate(s, principal, **body.model_dump()).id})


@router.get("/code/gate", response_class=HTMLResponse, include_in_schema=False)
def gate_page(request: Request, principal: Principal = Depends(GATE)):
    return _page(request, "gate.html", {"reasons": {k: reason_text(k) for k in _gate_reasons()}})


def _gate_reasons() -> list[str]:
    from fugong.healthcode.rules import REASONS

    return [k for k in REASONS if k.startswith(("PASS_", "DENY_"))]


# --- enterprises ----------------------------------------------------------------------------------

def _day(request: Request, principal: Principal, enterprise_id: str, day: dt.date | None) -> dict:
    from fugong.healthcode.scans import enterprise_day

    return _run(request, lambda s: enterprise_day(s, principal, enterprise_id=enterprise_id, day=day))


@router.get("/api/code/enterprise/{enterprise_id}/today")
def enterprise_today_json(request: Request, enterprise_id: str, day: dt.date | None = None,
                          principal: Principal = Depends(ENTERPRISE_DAY)) -> dict:
    return _day(request, principal, enterprise_id, day)


@router.get("/code/enterprise/{enterprise_id}/today", response_class=HTMLResponse, include_in_schema=False)
def enterprise_today_page(request: Request, enterprise_id: str, day: dt.date | None = None,
                          principal: Principal = Depends(ENTERPRISE_DAY)):
    return _page(request, "enterprise_day.html", {"view": _day(request, principal, enterprise_id, day)})


# --- staff ----------------------------------------------------------------------------------------

@router.get("/api/code/people/{person_id}")
def person_json(request: Request, person_id: str,
                purpose: str = Query(..., min_length=2, max_length=200, pattern=r"\S",
                                     description="why the record is read (audited), e.g. appeal 12"),
                principal: Principal = Depends(STAFF_OF_REGION)) -> dict:
    """A person's record for authorised staff; the read is audited with its purpose (required, not blank)."""
    from fugong.healthcode.people import person_record

    return _run(request, lambda s: person_record(s, principal, person_id=person_id, purpose=purpose))


@router.post("/api/code/lists")
async def lists_upload(request: Request, principal: Principal = Depends(STAFF_OF_REGION)) -> dict:
    """Load an authoritative list: the request body is the CSV (UTF-8, UTF-16 with BOM, or GBK), at most
    ``lists.MAX_UPLOAD_BYTES``. The answer counts every row and shows the first rejects; all of them are
    in the rejects file."""
    from starlette.concurrency import run_in_threadpool

    from fugong.healthcode.lists import MAX_UPLOAD_BYTES, SHOWN_REJECTS, load_list_csv
    from fugong.store.textfiles import TextFileError, decode_text
    from fugong.web.limits import read_body

    raw = await read_body(request, limit=MAX_UPLOAD_BYTES)
    try:
        text = decode_text(raw, source="upload.csv")
    except TextFileError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    rejects_dir = request.app.state.settings.rejects_dir

    def work():
        return _run(request, lambda s: load_list_csv(s, principal, text=text, source="upload.csv",
                                                     rejects_dir=rejects_dir), writes=True)

    result = await run_in_threadpool(work)
    return {**result.as_dict(), "rejects": result.rejects[:SHOWN_REJECTS],
            "rejects_shown": min(len(result.rejects), SHOWN_REJECTS)}


@router.get("/api/code/appeals")
def appeals_open(request: Request, principal: Principal = Depends(STAFF_OF_REGION)) -> dict:
    from fugong.healthcode.appeals import open_appeals

    return {"appeals": _run(request, lambda s: [
        {"id": a.id, "person_id": a.person_id, "contested_colour": a.contested_colour, "statement": a.statement,
         "filed_at": a.filed_at} for a in open_appeals(s, principal)])}


class DecisionIn(BaseModel):
    uphold: bool
    reason: str = Field(max_length=2000)
    to_colour: str | None = None


@router.post("/api/code/appeals/{appeal_id}/decision")
def appeals_decide(request: Request, appeal_id: int, body: DecisionIn,
                   principal: Principal = Depends(STAFF_OF_REGION)) -> dict:
    from fugong.healthcode.appeals import decide_appeal

    def work(session):
        appeal = decide_appeal(session, principal, appeal_id=appeal_id, **body.model_dump())
        return {"appeal": appeal.id, "status": appeal.status, "override": appeal.override_id}

    return _run(request, work)


class OverrideIn(BaseModel):
    person_id: str
    to_colour: str
    legal_basis: str = Field(max_length=2000)


@router.post("/api/code/overrides")
def overrides_request(request: Request, body: OverrideIn, principal: Principal = Depends(STAFF_OF_REGION)):
    from fugong.healthcode.appeals import request_override

    return _run(request, lambda s: {"override": request_override(s, principal, **body.model_dump()).id,
                                    "status": "pending"})


@router.post("/api/code/overrides/{override_id}/decision")
def overrides_decide(request: Request, override_id: int, approve: bool = Body(..., embed=True),
                     principal: Principal = Depends(STAFF_OF_REGION)) -> dict:
    from fugong.healthcode.appeals import TwoPersonRuleViolated, approve_override

    def work(session):
        try:
            override = approve_override(session, principal, override_id=override_id, approve=approve)
        except TwoPersonRuleViolated as exc:
            raise ValueError(str(exc)) from None
        return {"override": override.id, "status": override.status}

    return _run(request, work)
