"""Web routes of the healthcode domain: a thin router over the services.

Pages (HTML, each with a JSON twin from the same service call):
  /code/register                 a member of the public registers (account + person) — public
  /code/me                       the person's code: QR refreshed before it expires, colour, reason,
                                 expiry; forms to declare, check in and appeal
  /code/gate                     the phone-width gate page (verifies offline in the browser)
  /code/enterprise/{id}/today    an enterprise's day: staff by colour, check-in rate, who was denied
  /code/people                   officers: look a person up by ID number (POST, never in a URL), with a purpose
  /code/people/{id}              officers: the masked record, colour history, request a manual change
  /code/appeals                  officers: open appeals of the region, decided with a written reason
  /code/overrides                officers: manual changes waiting for a second, different officer
  /code/lists                    officers: upload an authoritative list; rejects shown (masked)
  /code/gates                    officers: the region's gates and the day's scans
JSON API under /api/code/…: keys (public), me, token, declarations, checkins, appeals, scan,
scans/sync, gates, gates/region, people/{id}, lists, overrides.

Days: declarations, check-ins and the day views use the app's day (FUGONG_AS_OF, else today); the
clock that issues, expires and verifies tokens is always the real one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from fugong.access import AccessDenied, OutOfScope, Principal
from fugong.accounts.guard import allow, declared, public
from fugong.accounts.web import db_engine
from fugong.healthcode.rules import reason_text
from fugong.web.i18n import N_
from fugong.web.shell import register_page

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


def _own_enterprise(principal: Principal) -> str | None:
    return f"/code/enterprise/{sorted(principal.enterprise_ids)[0]}/today" if principal.enterprise_ids else None


register_page("/code/me", N_("My health code"), roles=("person",), order=10, landing=("person",))
register_page(_own_enterprise, N_("My enterprise"), roles=("enterprise", "service_officer"), order=10,
              landing=("enterprise", "service_officer"), match=("/code/enterprise/",))
register_page("/code/gate", N_("Gate check"), roles=("gate_staff", "enterprise"), order=20, landing=("gate_staff",))
register_page("/code/appeals", N_("Health codes"), roles=STAFF, order=40,
              match=("/code/appeals", "/code/people", "/code/overrides", "/code/lists", "/code/gates"))


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
    except OutOfScope:  # another region's or enterprise's: as if it did not exist
        raise HTTPException(status_code=404, detail="not found / 未找到") from None
    except AccessDenied:
        raise HTTPException(status_code=403, detail="access denied / 无权访问") from None
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


def _page(request: Request, name: str, context: dict, *, principal: Principal | None = None,
          dates=None) -> HTMLResponse:
    from fugong.web.pages import render

    return render(request, f"healthcode/{name}", context, principal=principal, dates=dates)


def _today(request: Request) -> dt.date:
    """The app's day for declarations, check-ins and day views (FUGONG_AS_OF, else today)."""
    from fugong.web.pages import default_day

    return default_day(request.app.state.settings)


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


def _me_view(session, principal: Principal, day: dt.date, *, may_issue: bool = True) -> dict:
    """What /code/me shows: the record, a fresh token (once a colour is given, unless the person is over
    the token limit or no signing key exists yet), whether the person has checked in on the day, their
    appeals. ``token_missing`` says why there is no QR: "no_key" or "rate_limited"."""
    from sqlalchemy import select

    from fugong.healthcode.appeals import my_appeals
    from fugong.healthcode.models import CheckIn
    from fugong.healthcode.tokens import NoSigningKey

    record = _me(session, principal)
    checked_in = session.scalar(select(CheckIn.id).where(CheckIn.person_id == record["id"], CheckIn.day == day))
    appeals = [{"id": a.id, "status": a.status, "contested_colour": a.contested_colour, "filed_at": a.filed_at,
                "decision_reason": a.decision_reason} for a in my_appeals(session, principal)]
    token, missing = None, None
    if record["colour"]:
        if not may_issue:
            missing = "rate_limited"
        else:
            try:
                token = _token(session, principal)
            except NoSigningKey:  # keys come from fugong demo / fugong code keys rotate, never from a read
                missing = "no_key"
    return {"record": record, "token": token, "token_missing": missing,
            "checked_in": checked_in is not None, "appeals": appeals, "day": day}


@router.get("/code/me", response_class=HTMLResponse, include_in_schema=False)
def me_page(request: Request, done: str | None = None, principal: Principal = Depends(PERSON)):
    """The person's code page. Its QR is a token issued now, counted in the same per-person limit as
    /api/code/me/token (reloading the page is no way around it)."""
    from fugong.accounts.web import policy, rate_limited
    from fugong.healthcode.declarations import SYMPTOMS

    rules = policy(request.app)
    over = rate_limited(request, key=f"token:{principal.user_id}", limit=rules.tokens_per_user,
                        window_seconds=rules.token_window_seconds)
    day = _today(request)
    view = _run(request, lambda s: _me_view(s, principal, day, may_issue=not over))
    return _page(request, "me.html", {**view, "done": done, "symptoms": list(SYMPTOMS)}, principal=principal)


def _form_error(exc: HTTPException) -> HTTPException:
    """A refused form post keeps its status (422 → 400); the error page shows the reason."""
    return HTTPException(status_code=400 if exc.status_code == 422 else exc.status_code, detail=exc.detail)


async def _form(request: Request) -> dict:
    form = await request.form()
    return {key: form.getlist(key) if key == "symptoms" else form.get(key) for key in form.keys()}


def _temperature(form: dict) -> float:
    try:
        return float(str(form.get("temperature") or "").replace(",", "."))
    except ValueError:
        raise HTTPException(status_code=400, detail="temperature: not a number / 体温不是数字") from None


@router.post("/code/me/declaration", include_in_schema=False)
async def me_declare(request: Request, principal: Principal = Depends(PERSON)):
    """The declaration form: current region, temperature, symptoms, travel (one region and day), contact."""
    from starlette.concurrency import run_in_threadpool

    from fugong.healthcode.declarations import declare

    form = await _form(request)
    travel = []
    if form.get("travel_region"):
        travel = [{"region": str(form["travel_region"]).strip(), "date": str(form.get("travel_date") or "")}]
    temperature = _temperature(form)
    day = _today(request)
    try:
        await run_in_threadpool(_run, request, lambda s: declare(
            s, principal, current_region=str(form.get("current_region") or "").strip(), temperature=temperature,
            symptoms=form.get("symptoms") or [], travel=travel, contact_with_case=form.get("contact") == "yes",
            day=day), writes=True)
    except HTTPException as exc:
        raise _form_error(exc) from None
    return RedirectResponse("/code/me?done=declared", status_code=303)


@router.post("/code/me/checkin", include_in_schema=False)
async def me_check_in(request: Request, principal: Principal = Depends(PERSON)):
    from starlette.concurrency import run_in_threadpool

    from fugong.healthcode.lifecycle import check_in

    form = await _form(request)
    temperature = _temperature(form)
    day = _today(request)
    try:
        await run_in_threadpool(_run, request, lambda s: check_in(
            s, principal, temperature=temperature, symptoms=form.get("symptoms") or [], day=day), writes=True)
    except HTTPException as exc:
        raise _form_error(exc) from None
    return RedirectResponse("/code/me?done=checked_in", status_code=303)


@router.post("/code/me/appeal", include_in_schema=False)
async def me_appeal(request: Request, principal: Principal = Depends(PERSON)):
    from starlette.concurrency import run_in_threadpool

    from fugong.healthcode.appeals import file_appeal

    form = await _form(request)
    statement = str(form.get("statement") or "")[:2000]
    try:
        await run_in_threadpool(_run, request, lambda s: file_appeal(s, principal, statement=statement), writes=True)
    except HTTPException as exc:
        raise _form_error(exc) from None
    return RedirectResponse("/code/me?done=appealed", status_code=303)


@router.post("/api/code/declarations")
def declarations(request: Request, body: DeclarationIn, principal: Principal = Depends(PERSON)):
    from fugong.healthcode.declarations import declare

    day = _today(request)
    return _run(request, lambda s: declare(s, principal, day=day, **body.model_dump()))


@router.post("/api/code/checkins")
def checkins(request: Request, body: CheckInIn, principal: Principal = Depends(PERSON)):
    from fugong.healthcode.lifecycle import check_in

    day = _today(request)
    return _run(request, lambda s: check_in(s, principal, temperature=body.temperature, symptoms=body.symptoms,
                                            day=day))


@router.post("/api/code/appeals")
def appeals_file(request: Request, statement: str = Body(..., embed=True, max_length=2000),
                 principal: Principal = Depends(PERSON)):
    from fugong.healthcode.appeals import file_appeal

    return _run(request, lambda s: {"appeal": file_appeal(s, principal, statement=statement).id, "status": "open"})


# --- registration (public) ------------------------------------------------------------------------

REGISTER_FIELDS = ("username", "name", "phone", "id_number", "region_code", "enterprise_id")
# Anyone may register (that is the point), so the form is public: CSRF-protected like the sign-in
# form, counted per client address in the database like the sign-in (shared by every worker), and
# inside the body limit of every form (fugong.web.limits).
REGISTRATION = public("self-registration of a member of the public: CSRF-protected, rate-limited per address")


@router.get("/code/register", response_class=HTMLResponse, include_in_schema=False,
            dependencies=[Depends(REGISTRATION)])
def registration_page(request: Request):
    """A member of the public makes an account and registers for a health code."""
    from fugong.accounts.web import optional_principal

    principal = optional_principal(request)
    if principal is not None:
        return RedirectResponse("/code/me" if principal.role == "person" else "/", status_code=303)
    return _register_form(request, values={}, error=None)


def _register_form(request: Request, *, values: dict, error: str | None, status_code: int = 200) -> HTMLResponse:
    from fugong.accounts.web import csrf_token, read_session, write_session
    from fugong.web.pages import render

    csrf = csrf_token(request)
    response = render(request, "healthcode/register.html", {"values": values, "error": error, "csrf_token": csrf},
                      principal=None, status_code=status_code)
    if read_session(request) is None:
        write_session(request, response, key=None, csrf=csrf)
    return response


@router.post("/code/register", include_in_schema=False, dependencies=[Depends(REGISTRATION)])
async def register(request: Request):
    """Create the person's account and their record in one transaction (the ID number is validated and
    stored only as a keyed hash and a masked form), sign them in (a server-side session, as at the
    sign-in) and show their code page. Rate-limited per client address like the sign-in."""
    from starlette.concurrency import run_in_threadpool

    from fugong.accounts import security
    from fugong.accounts import service as accounts
    from fugong.accounts.web import policy, rate_limited, verify_csrf, write_session

    try:
        await verify_csrf(request)
    except HTTPException:
        return _register_form(request, values={}, error=N_("The page has expired; please try again."),
                              status_code=403)
    form = await request.form()
    values = {key: str(form.get(key) or "").strip() for key in REGISTER_FIELDS}
    password = str(form.get("password") or "")
    rules = policy(request.app)
    client = request.client.host if request.client else "unknown"
    retry = await run_in_threadpool(rate_limited, request, key=f"register-ip:{client}",
                                    limit=rules.attempts_per_ip, window_seconds=rules.window_seconds)
    if retry:
        response = _register_form(request, values={**values, "id_number": ""},
                                  error=N_("Too many attempts; please try again later."), status_code=429)
        response.headers["Retry-After"] = str(retry)
        return response

    def work(session) -> str:
        from fugong.healthcode.people import register_person

        # The account is made by the registration itself (audited as system:self-registration), inside
        # the person's own county, then the person record under the new account, then its session.
        registrar = Principal(user_id="self-registration", role="system")
        user = accounts.add_user(session, actor=registrar, username=values["username"], role="person",
                                 region_prefix=values["region_code"], password=password)
        register_person(session, Principal(user_id=values["username"], role="person"), name=values["name"],
                        phone=values["phone"], id_number=values["id_number"], region_code=values["region_code"],
                        enterprise_id=values["enterprise_id"] or None)
        return accounts.start_session(session, user=user, lifetime=dt.timedelta(seconds=rules.session_seconds))

    try:
        if not (len(values["region_code"]) == 6 and values["region_code"].isdigit()):
            raise ValueError("region_code: a six-digit GB/T 2260 county code / 请填写六位县级区划代码")
        if not values["name"]:
            raise ValueError("name: required / 请填写姓名")
        session_key = await run_in_threadpool(_run_plain, request, work)
    except ValueError as exc:
        # The form comes back filled in, except the password and the ID number (never sent back in clear).
        return _register_form(request, values={**values, "id_number": ""}, error=str(exc), status_code=400)
    response = RedirectResponse("/code/me", status_code=303)
    write_session(request, response, key=session_key, csrf=security.new_csrf_token())
    return response


def _run_plain(request: Request, work) -> Any:
    """One write transaction; domain errors come back as they are (the form shows them)."""
    from fugong.store.db import session_scope, write_lock

    engine = db_engine(request.app)
    with write_lock(engine), session_scope(engine) as session:
        return work(session)


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
    from fugong.healthcode.scan_writer import ScanWriter
    from fugong.workflow.group_commit import app_writer

    return app_writer(app, ScanWriter, db_engine)


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

    from fugong.web.i18n import translator

    english = translator("en")

    def work(session):
        mine = []
        for gate in session.scalars(select(Gate).order_by(Gate.id)):
            try:
                gate_for(session, principal, gate.id)
            except AccessDenied:
                continue
            mine.append({"id": gate.id, "name": gate.name, "name_en": english.name("gate", gate.name),
                         "enterprise_id": gate.enterprise_id})
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

    day = day or _chosen(request)
    return _run(request, lambda s: enterprise_day(s, principal, enterprise_id=enterprise_id, day=day))


def _chosen(request: Request, choices=None) -> dt.date:
    from fugong.web.pages import chosen_day

    return chosen_day(request, choices)


@router.get("/api/code/enterprise/{enterprise_id}/today")
def enterprise_today_json(request: Request, enterprise_id: str, day: dt.date | None = None,
                          principal: Principal = Depends(ENTERPRISE_DAY)) -> dict:
    """The enterprise's day (``?day=`` or ``?date=``; default the app's day, FUGONG_AS_OF)."""
    return _day(request, principal, enterprise_id, day)


@router.get("/code/enterprise/{enterprise_id}/today", response_class=HTMLResponse, include_in_schema=False)
def enterprise_today_page(request: Request, enterprise_id: str, day: dt.date | None = None,
                          principal: Principal = Depends(ENTERPRISE_DAY)):
    from fugong.healthcode.scans import enterprise_days
    from fugong.web.pages import DatePicker

    days = _run(request, lambda s: enterprise_days(s, principal, enterprise_id=enterprise_id))
    view = _day(request, principal, enterprise_id, day or _chosen(request, days))
    return _page(request, "enterprise_day.html", {"view": view, "name": enterprise_name(request, enterprise_id)},
                 principal=principal, dates=DatePicker.of(days, view["day"]))


def enterprise_name(request: Request, enterprise_id: str) -> str | None:
    """The enterprise's registered name from the index store's enterprises file, if it is there
    (shown after the access check only)."""
    from fugong.index.store import enterprises_path

    path = enterprises_path(request.app.state.settings)
    if path is None:
        return None
    try:
        modified = path.stat().st_mtime_ns
    except (FileNotFoundError, OSError):
        return None
    return _name_in(str(path), modified, enterprise_id)


@functools.lru_cache(maxsize=1024)
def _name_in(path: str, modified: int, enterprise_id: str) -> str | None:
    import pyarrow.parquet as pq

    try:  # row-group statistics skip most of the file
        table = pq.read_table(path, columns=["enterprise_id", "name"], filters=[("enterprise_id", "=", enterprise_id)])
    except Exception:  # noqa: BLE001 - no name column, another id type: the page shows the id
        return None
    names = table["name"].to_pylist() if table.num_rows else []
    return names[0] if names and names[0] else None


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
    day = _today(request)

    def work():
        return _run(request, lambda s: load_list_csv(s, principal, text=text, source="upload.csv",
                                                     rejects_dir=rejects_dir, day=day), writes=True)

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


# --- officers' pages -------------------------------------------------------------------------------
# Each page is the same service call as its JSON twin; every form post is audited by the service and
# answered with a redirect back to the page (a program uses the /api/code/… twin).

def _staff_page(request: Request, name: str, context: dict, principal: Principal) -> HTMLResponse:
    return _page(request, name, {"tab": name.split(".")[0], **context}, principal=principal)


@router.get("/code/people", response_class=HTMLResponse, include_in_schema=False)
def people_page(request: Request, principal: Principal = Depends(STAFF_OF_REGION)):
    """Look a person up by ID number. The lookup is a POST so that ID numbers never sit in URLs or logs."""
    return _staff_page(request, "people.html", {"found": None, "searched": False}, principal)


@router.post("/code/people", response_class=HTMLResponse, include_in_schema=False)
async def people_lookup(request: Request, principal: Principal = Depends(STAFF_OF_REGION)):
    """The masked record of the person with this ID number, if they live in the officer's region; the
    read is audited with its purpose. Another region's person is "not found", like nobody."""
    from starlette.concurrency import run_in_threadpool

    from fugong.healthcode.people import InvalidIdentity, find_by_id_number, mask_name, masked

    form = await request.form()
    purpose = str(form.get("purpose") or "").strip()[:200]
    if len(purpose) < 2:
        raise HTTPException(status_code=400, detail="purpose: required for every read / 请填写查询目的")

    def work(session):
        try:
            person = find_by_id_number(session, principal, id_number=str(form.get("id_number") or ""),
                                       purpose=purpose)
        except InvalidIdentity as exc:
            raise ValueError(str(exc)) from None
        except OutOfScope:
            return None
        if person is None:
            return None
        return {**masked(person), "name": mask_name(person.name), "colour": person.colour,
                "reason": reason_text(person.reason_code) if person.reason_code else None,
                "region_code": person.region_code}

    found = await run_in_threadpool(_run, request, work, writes=True)
    return _staff_page(request, "people.html", {"found": found, "searched": True, "purpose": purpose}, principal)


@router.get("/code/people/{person_id}", response_class=HTMLResponse, include_in_schema=False)
def person_page(request: Request, person_id: str,
                purpose: str = Query(..., min_length=2, max_length=200, pattern=r"\S",
                                     description="why the record is read (audited), e.g. appeal 12"),
                principal: Principal = Depends(STAFF_OF_REGION)):
    """A person's record (masked name, phone and ID number) and colour history, with the form that
    asks for a manual change; the read is audited with its purpose (twin: /api/code/people/{id})."""
    from fugong.healthcode.people import mask_name, person_record

    record = _run(request, lambda s: person_record(s, principal, person_id=person_id, purpose=purpose), writes=True)
    record = {**record, "name": mask_name(record["name"])}
    return _staff_page(request, "person.html", {"record": record, "purpose": purpose}, principal)


def _open_appeals(session, principal: Principal) -> list[dict]:
    from fugong.healthcode.appeals import open_appeals
    from fugong.healthcode.models import Person
    from fugong.healthcode.people import masked

    out = []
    for appeal in open_appeals(session, principal):
        person = session.get(Person, appeal.person_id)
        out.append({"id": appeal.id, "person_id": appeal.person_id, "person": masked(person),
                    "contested_colour": appeal.contested_colour, "colour": person.colour,
                    "reason": reason_text(person.reason_code) if person.reason_code else None,
                    "statement": appeal.statement, "filed_at": appeal.filed_at})
    return out


@router.get("/code/appeals", response_class=HTMLResponse, include_in_schema=False)
def appeals_page(request: Request, done: str | None = None, principal: Principal = Depends(STAFF_OF_REGION)):
    """Open appeals of the officer's region, each decided here with a written reason (twin: /api/code/appeals)."""
    appeals = _run(request, lambda s: _open_appeals(s, principal))
    return _staff_page(request, "appeals.html", {"appeals": appeals, "done": done}, principal)


@router.post("/code/appeals/{appeal_id}/decision", include_in_schema=False)
async def appeals_decide_form(request: Request, appeal_id: int, principal: Principal = Depends(STAFF_OF_REGION)):
    """Uphold (opens a manual change that a second officer must approve) or reject, with a reason."""
    from starlette.concurrency import run_in_threadpool

    from fugong.healthcode.appeals import decide_appeal

    form = await request.form()
    uphold = form.get("decision") == "uphold"
    reason = str(form.get("reason") or "")[:2000]
    to_colour = str(form.get("to_colour") or "green")
    try:
        await run_in_threadpool(_run, request, lambda s: decide_appeal(
            s, principal, appeal_id=appeal_id, uphold=uphold, reason=reason, to_colour=to_colour), writes=True)
    except HTTPException as exc:
        raise _form_error(exc) from None
    return RedirectResponse(f"/code/appeals?done={'upheld' if uphold else 'rejected'}", status_code=303)


@router.get("/api/code/overrides")
def overrides_pending(request: Request, principal: Principal = Depends(STAFF_OF_REGION)) -> dict:
    """Manual changes of the region waiting for a second, different officer."""
    from fugong.healthcode.appeals import pending_overrides

    return {"overrides": _run(request, lambda s: pending_overrides(s, principal))}


@router.get("/code/overrides", response_class=HTMLResponse, include_in_schema=False)
def overrides_page(request: Request, done: str | None = None, principal: Principal = Depends(STAFF_OF_REGION)):
    from fugong.healthcode.appeals import pending_overrides

    overrides = _run(request, lambda s: pending_overrides(s, principal))
    return _staff_page(request, "overrides.html", {"overrides": overrides, "done": done}, principal)


@router.post("/code/overrides", include_in_schema=False)
async def overrides_request_form(request: Request, principal: Principal = Depends(STAFF_OF_REGION)):
    """First officer: ask for a manual colour change of a person, citing the legal basis."""
    from starlette.concurrency import run_in_threadpool

    from fugong.healthcode.appeals import request_override

    form = await request.form()
    person_id = str(form.get("person_id") or "")
    try:
        await run_in_threadpool(_run, request, lambda s: request_override(
            s, principal, person_id=person_id, to_colour=str(form.get("to_colour") or ""),
            legal_basis=str(form.get("legal_basis") or "")[:2000]), writes=True)
    except HTTPException as exc:
        raise _form_error(exc) from None
    return RedirectResponse("/code/overrides?done=requested", status_code=303)


@router.post("/code/overrides/{override_id}/decision", include_in_schema=False)
async def overrides_decide_form(request: Request, override_id: int,
                                principal: Principal = Depends(STAFF_OF_REGION)):
    """Second officer: approve (the colour changes, audited with both officers) or reject."""
    from starlette.concurrency import run_in_threadpool

    from fugong.healthcode.appeals import TwoPersonRuleViolated, approve_override

    form = await request.form()
    approve = form.get("decision") == "approve"
    day = _today(request)

    def work(session):
        try:
            return approve_override(session, principal, override_id=override_id, approve=approve, day=day)
        except TwoPersonRuleViolated:
            raise AccessDenied("the requester may not approve their own request") from None

    try:
        await run_in_threadpool(_run, request, work, writes=True)
    except HTTPException as exc:
        raise _form_error(exc) from None
    return RedirectResponse(f"/code/overrides?done={'approved' if approve else 'rejected'}", status_code=303)


@router.get("/code/lists", response_class=HTMLResponse, include_in_schema=False)
def lists_page(request: Request, principal: Principal = Depends(STAFF_OF_REGION)):
    from fugong.healthcode.lists import COLUMNS

    return _staff_page(request, "lists.html", {"result": None, "columns": COLUMNS}, principal)


@router.post("/code/lists", response_class=HTMLResponse, include_in_schema=False)
async def lists_upload_form(request: Request, principal: Principal = Depends(STAFF_OF_REGION)):
    """Upload an authoritative list (CSV file): loaded rows, updated rows, colour changes and every
    rejected row with its row number, field and reason (ID numbers masked) — the same call as
    POST /api/code/lists."""
    from starlette.concurrency import run_in_threadpool

    from fugong.healthcode.lists import COLUMNS, MAX_UPLOAD_BYTES, SHOWN_REJECTS, load_list_csv
    from fugong.store.textfiles import TextFileError, decode_text

    form = await request.form()
    upload = form.get("file")
    if upload is None or not hasattr(upload, "read"):
        raise HTTPException(status_code=400, detail="file: choose a CSV file / 请选择 CSV 文件")
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        from fugong.web.limits import too_large

        raise HTTPException(status_code=413, detail=too_large(MAX_UPLOAD_BYTES))
    source = (getattr(upload, "filename", None) or "upload.csv").replace("/", "_").replace("\\", "_")[:80]
    try:  # UTF-8, UTF-16 with BOM or GBK, as the API twin
        text = decode_text(data, source=source)
    except TextFileError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    rejects_dir = request.app.state.settings.rejects_dir
    day = _today(request)
    try:
        result = await run_in_threadpool(_run, request, lambda s: load_list_csv(
            s, principal, text=text, source=source, rejects_dir=rejects_dir, day=day), writes=True)
    except HTTPException as exc:
        raise _form_error(exc) from None
    return _staff_page(request, "lists.html", {"result": {
        **result.as_dict(), "rejects": result.rejects[:SHOWN_REJECTS],
        "rejects_shown": min(len(result.rejects), SHOWN_REJECTS), "source": source}, "columns": COLUMNS}, principal)


@router.get("/api/code/gates/region")
def region_gates_json(request: Request, principal: Principal = Depends(STAFF_OF_REGION)) -> dict:
    """The gates of the officer's region with the day's scans (``?date=``; default the app's day)."""
    from fugong.healthcode.scans import region_gates

    day = _chosen(request)
    return {"day": day, "gates": _run(request, lambda s: region_gates(s, principal, day=day))}


@router.get("/code/gates", response_class=HTMLResponse, include_in_schema=False)
def region_gates_page(request: Request, principal: Principal = Depends(STAFF_OF_REGION)):
    from fugong.web.pages import DatePicker

    data = region_gates_json(request, principal)
    return _page(request, "gates.html", {"tab": "gates", **data}, principal=principal,
                 dates=DatePicker.of([data["day"]], data["day"]))
