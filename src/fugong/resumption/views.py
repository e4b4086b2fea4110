"""Web routes of the resumption workflow: pages for enterprises (on a phone) and officers, JSON twins.

Enterprises (their own enterprise only):
    GET  /firm                              /api/firm                 landing: profile, filings, messages
    GET  /enterprises/{id}/roster           /api/enterprises/{id}/roster   staff, day counts, safety posts
    POST /enterprises/{id}/roster                                     upload a roster spreadsheet
    GET  /resumption/filings/new            /api/resumption/filings/new    the form: policy, checklist, pledge
    POST /resumption/filings                                          file (create and submit)
    GET  /resumption/filings/{id}           /api/resumption/filings/{id}   follow a filing (timeline, reasons)
    POST /resumption/filings/{id}/action                              declare resumed / withdraw; officers decide
    POST /resumption/filings/{id}/inspection                          officers: inspection of a sampled filing
    POST /resumption/bundles                                          a leading firm files with its suppliers
    GET  /resumption/bundles/{id}           /api/resumption/bundles/{id}   chain completeness
Officers (their region only):
    GET  /resumption/queue                  /api/resumption/queue     by state and age (?state=reassessment …)
    GET  /resumption/crosscheck             /api/resumption/crosscheck     declared vs metered
    GET  /resumption/report                 /api/resumption/report    daily report; .csv / .xlsx exports
    POST /resumption/report/freeze                                    freeze the day now (province admins)

Form POSTs answer JSON to API clients (Accept: application/json) and redirect pages (303) otherwise.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from pydantic import BaseModel, ConfigDict, Field

from fugong.access import AccessDenied, Principal
from fugong.accounts.guard import STAFF, allow, declared
from fugong.web.i18n import N_
from fugong.web.shell import register_page
from fugong.workflow.web import ServiceError, page, post_result, run

router = APIRouter(tags=["resumption"])
# Filing alone, included near the front by create_app: the busiest write of a campaign, and route
# matching is a linear walk over every route before it (13 % of a filing's server time, measured).
intake_router = APIRouter(tags=["resumption"])
OFFICERS = STAFF  # ("province_admin", "officer")

# Who may call each route (fugong.accounts.guard; the services check the same and filter by scope).
FIRM = allow("enterprise", scope="enterprise", note="an enterprise user's own enterprise")
ROSTER_READERS = allow("enterprise", "service_officer", *STAFF, scope="enterprise")
ROSTER_WRITERS = allow("enterprise", *STAFF, scope="enterprise")
FILERS = allow("enterprise", *STAFF, scope="enterprise", note="the enterprise itself, or officers of its region on its behalf")
FILING_READERS = allow("enterprise", "service_officer", *STAFF, scope="enterprise")
OFFICERS_OF_REGION = allow(*STAFF, scope="region")
FREEZERS = allow("province_admin", scope="region", note="province-wide figures: province admins")

# The enterprise lands on its resumption page (its filings, roster, messages); officers get the queue.
register_page("/firm", N_("My resumption"), roles=("enterprise",), order=5, landing=("enterprise",),
              landing_priority=10, match=("/firm", "/resumption/", "/enterprises/"))
register_page("/resumption/queue", N_("Filings"), roles=STAFF, order=35, match=("/resumption/",))


def _today() -> dt.date:
    from fugong.resumption.filings import now

    return now().date()


def _day(request: Request, text: str | None) -> dt.date:
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ServiceError(422, {"detail": f"date {text!r} is not YYYY-MM-DD"}) from None
    return request.app.state.settings.as_of or _today()


def _own_enterprise(principal: Principal) -> str:
    if principal.role != "enterprise" or len(principal.enterprise_ids) != 1:
        raise AccessDenied("this page is for an enterprise's own users")
    return next(iter(principal.enterprise_ids))


# --- the enterprise's landing ----------------------------------------------------------------------

def _firm(session, principal: Principal) -> dict:
    from fugong.enterprises.service import get_enterprise, view
    from fugong.resumption.bundles import bundles_of
    from fugong.resumption.filings import enterprise_filings
    from fugong.workflow.outbox import inbox

    enterprise_id = _own_enterprise(principal)
    enterprise = get_enterprise(session, principal, enterprise_id)
    return {"enterprise": view(enterprise), "filings": enterprise_filings(session, principal, enterprise_id=enterprise_id),
            "bundles": bundles_of(session, principal, enterprise_id=enterprise_id),
            "messages": inbox(session, recipient_kind="enterprise", recipient_id=enterprise_id, limit=20)}


@router.get("/api/firm")
def firm_json(request: Request, principal: Principal = Depends(FIRM)) -> dict:
    return run(request, lambda s: _firm(s, principal))


@router.get("/firm", include_in_schema=False)
def firm_page(request: Request, principal: Principal = Depends(FIRM)):
    return page(request, principal, "resumption/firm.html", {"data": run(request, lambda s: _firm(s, principal))})


# --- roster ---------------------------------------------------------------------------------------

def _roster(session, principal: Principal, enterprise_id: str, day: dt.date) -> dict:
    from fugong.resumption.roster import day_counts, roster_view
    from fugong.resumption.safety import coverage

    if principal.role not in ("enterprise", "service_officer") + OFFICERS:
        raise AccessDenied("rosters are for the enterprise and its officers")
    return {"enterprise_id": enterprise_id, "date": day.isoformat(),
            "counts": day_counts(session, principal, enterprise_id=enterprise_id, day=day),
            "safety": coverage(session, enterprise_id=enterprise_id),
            "staff": roster_view(session, principal, enterprise_id=enterprise_id)}


@router.get("/api/enterprises/{enterprise_id}/roster")
def roster_json(request: Request, enterprise_id: str, date: str | None = None,
                principal: Principal = Depends(ROSTER_READERS)) -> dict:
    return run(request, lambda s: _roster(s, principal, enterprise_id, _day(request, date)))


@router.get("/enterprises/{enterprise_id}/roster", include_in_schema=False)
def roster_page(request: Request, enterprise_id: str, date: str | None = None,
                principal: Principal = Depends(ROSTER_READERS)):
    data = run(request, lambda s: _roster(s, principal, enterprise_id, _day(request, date)))
    return page(request, principal, "resumption/roster.html", {"data": data})


@router.post("/enterprises/{enterprise_id}/roster")
async def roster_upload(request: Request, enterprise_id: str, file: UploadFile = File(...),
                        date: str | None = Form(None, max_length=10), principal: Principal = Depends(ROSTER_WRITERS)):
    """Upload a roster (CSV/XLSX); the answer counts rows and lists rejects (ID numbers masked)."""
    import shutil

    from fugong.enterprises.views import save_upload
    from fugong.resumption.roster import import_roster

    if principal.role not in ("enterprise",) + OFFICERS:
        return JSONResponse({"detail": "access denied / 无权访问"}, status_code=403)
    try:
        path = await save_upload(file)
    except ValueError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    settings = request.app.state.settings

    def work(session):
        result = import_roster(session, principal, enterprise_id=enterprise_id, path=path,
                               effective_on=_day(request, date), rejects_dir=settings.rejects_dir)
        answer = result.as_dict()
        answer["file"] = file.filename
        answer.pop("rejects_path")
        return answer

    try:
        return post_result(request, principal, work, location=lambda _: f"/enterprises/{enterprise_id}/roster",
                           back=f"/enterprises/{enterprise_id}/roster")
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


# --- filing ---------------------------------------------------------------------------------------

def _new_form(session, principal: Principal, enterprise_id: str | None) -> dict:
    from fugong.enterprises.service import get_enterprise, view
    from fugong.resumption.filings import active_policy
    from fugong.resumption.gate import county_gate

    if principal.role == "enterprise":
        enterprise_id = enterprise_id or _own_enterprise(principal)
    if principal.role not in ("enterprise",) + OFFICERS:
        raise AccessDenied("filing is for the enterprise or its officers")
    policy = active_policy()
    if not enterprise_id:  # an officer filing on an enterprise's behalf names it first (the page asks)
        return {"enterprise": None, "policy": policy.as_dict(), "gate": None}
    enterprise = get_enterprise(session, principal, enterprise_id)
    gate = county_gate(session, county=enterprise.region_code, day=_today())
    return {"enterprise": view(enterprise), "policy": policy.as_dict(), "gate": gate.as_dict()}


@router.get("/api/resumption/filings/new")
def new_filing_json(request: Request, enterprise_id: str | None = None,
                    principal: Principal = Depends(FILERS)) -> dict:
    return run(request, lambda s: _new_form(s, principal, enterprise_id))


@router.get("/resumption/filings/new", include_in_schema=False)
def new_filing_page(request: Request, enterprise_id: str | None = None,
                    principal: Principal = Depends(FILERS)):
    data = run(request, lambda s: _new_form(s, principal, enterprise_id))
    return page(request, principal, "resumption/new_filing.html", {"data": data, "today": _today().isoformat()})


class FilingForm(BaseModel):
    """The filing form (the phone page's fields; an API client posts the same, form-encoded)."""

    model_config = ConfigDict(extra="ignore")
    enterprise_id: str | None = Field(None, max_length=40)
    planned_start: str = Field(..., max_length=10, description="YYYY-MM-DD")
    staff_planned: int = Field(0, ge=0, le=1_000_000)
    prevention_plan: bool = False
    protective_stock_days: int = Field(0, ge=0, le=3650)
    orders_in_hand: bool = False
    core_posts: bool = False
    pledge_signed_by: str | None = Field(None, max_length=80)
    pledge_version: str | None = Field(None, max_length=40)


def _filing_writer(app):
    """The process's group-commit writer of filings (resumption.intake)."""
    from fugong.accounts.web import db_engine
    from fugong.resumption.intake import FilingWriter
    from fugong.workflow.group_commit import app_writer

    return app_writer(app, FilingWriter, db_engine)


@intake_router.post("/resumption/filings", openapi_extra={"requestBody": {"required": True, "content": {
    "application/x-www-form-urlencoded": {"schema": FilingForm.model_json_schema()}}}})
@declared(FILERS)
async def file_filing(request: Request):
    """Create and submit a filing in one step (the phone form); the answer is the filing's receipt.

    Filings arriving together are decided and written in one transaction (resumption.intake); the
    answer comes after the commit. The busiest write of a resumption campaign, so the route reads
    its form and caller itself instead of through FastAPI's dependency solver (as the gate's scan).
    """
    import asyncio

    from fastapi.exceptions import RequestValidationError
    from pydantic import ValidationError

    from fugong.resumption.intake import FilingRequest
    from fugong.workflow.web import done, failed, service_error

    principal = await FILERS.check(request)
    form = await request.form()
    try:  # an empty field is an absent one, as FastAPI's Form() takes it
        data = FilingForm.model_validate({k: v for k, v in form.items() if isinstance(v, str) and v != ""})
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    try:
        eid = data.enterprise_id or (_own_enterprise(principal) if principal.role == "enterprise" else None)
        if not eid:
            raise LookupError("enterprise_id is required")
        if principal.role not in ("enterprise",) + OFFICERS:
            raise AccessDenied("filing is for the enterprise or its officers")
        try:
            start = dt.date.fromisoformat(data.planned_start)
        except ValueError:
            raise ValueError(f"planned_start {data.planned_start!r} is not YYYY-MM-DD") from None
        answers = {"prevention_plan": data.prevention_plan, "protective_stock_days": data.protective_stock_days,
                   "orders_in_hand": data.orders_in_hand, "core_posts": data.core_posts}
        future = _filing_writer(request.app).submit(FilingRequest(
            principal=principal, enterprise_id=eid, planned_start=start, staff_planned=data.staff_planned,
            answers=answers, pledge_signed_by=data.pledge_signed_by or None, pledge_version=data.pledge_version or None))
        payload = await asyncio.wrap_future(future)
    except Exception as exc:
        error = service_error(exc)
        if error is None:
            raise
        return failed(request, principal, error, "/resumption/filings/new")
    return done(request, payload, f"/resumption/filings/{payload['id']}")


def _filing(session, principal: Principal, filing_id: str) -> dict:
    from fugong.resumption.filings import filing_view, get_filing

    return filing_view(session, principal, get_filing(session, principal, filing_id))


@router.get("/api/resumption/filings/{filing_id}")
def filing_json(request: Request, filing_id: str, principal: Principal = Depends(FILING_READERS)) -> dict:
    return run(request, lambda s: _filing(s, principal, filing_id))


@router.get("/resumption/filings/{filing_id}", include_in_schema=False)
def filing_page(request: Request, filing_id: str, principal: Principal = Depends(FILING_READERS)):
    return page(request, principal, "resumption/filing.html", {"f": run(request, lambda s: _filing(s, principal, filing_id))})


@router.post("/resumption/filings/{filing_id}/action")
def filing_action(request: Request, filing_id: str, action: str = Form(..., max_length=30),
                  reason: str | None = Form(None, max_length=2000), on: str | None = Form(None, max_length=10),
                  principal: Principal = Depends(FILERS)):
    """An action on a filing: the enterprise declares resumption or withdraws; officers decide."""
    from fugong.resumption import filings

    def work(session):
        if action == "declare_resumed":
            day = dt.date.fromisoformat(on) if on else _today()
            filing = filings.declare_resumed(session, principal, filing_id=filing_id, on=day)
        elif action == "withdraw":
            filing = filings.withdraw(session, principal, filing_id=filing_id)
        else:
            filing = filings.decide(session, principal, filing_id=filing_id, action=action, reason=reason)
        return filings.filing_view(session, principal, filing)

    return post_result(request, principal, work, location=lambda f: f"/resumption/filings/{filing_id}",
                       back=f"/resumption/filings/{filing_id}")


@router.post("/resumption/filings/{filing_id}/inspection")
def filing_inspection(request: Request, filing_id: str, passed: bool = Form(...), findings: str = Form("", max_length=4000),
                      reason: str | None = Form(None, max_length=2000), principal: Principal = Depends(OFFICERS_OF_REGION)):
    from fugong.resumption import filings

    def work(session):
        filing = filings.record_inspection(session, principal, filing_id=filing_id, passed=passed, findings=findings,
                                           reason=reason)
        return filings.filing_view(session, principal, filing)

    return post_result(request, principal, work, location=lambda f: f"/resumption/filings/{filing_id}",
                       back=f"/resumption/filings/{filing_id}")


# --- bundles --------------------------------------------------------------------------------------

def _parse_suppliers(text: str) -> list[dict]:
    """One supplier a line: ``USCC[,name]`` (a pasted spreadsheet column works too)."""
    out = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.replace("\t", ",").split(",")]
        if parts and parts[0] and not parts[0].lower().startswith("uscc"):
            out.append({"uscc": parts[0], "name": parts[1] if len(parts) > 1 else None})
    return out


@router.post("/resumption/bundles")
def file_bundle_route(request: Request, suppliers: str = Form(..., max_length=200_000), name: str = Form("", max_length=200),
                      planned_start: str = Form(..., max_length=10), lead_enterprise_id: str | None = Form(None, max_length=40),
                      principal: Principal = Depends(FILERS)):
    from fugong.resumption.bundles import completeness, file_bundle

    def work(session):
        lead = lead_enterprise_id or (_own_enterprise(principal) if principal.role == "enterprise" else None)
        if not lead:
            raise LookupError("lead_enterprise_id is required")
        bundle = file_bundle(session, principal, lead_enterprise_id=lead, name=name,
                             suppliers=_parse_suppliers(suppliers), planned_start=dt.date.fromisoformat(planned_start))
        return completeness(session, principal, bundle_id=bundle.id, day=_today(), settings=request.app.state.settings)

    return post_result(request, principal, work, location=lambda b: f"/resumption/bundles/{b['bundle']}", back="/firm")


def _bundle(session, request: Request, principal: Principal, bundle_id: str, date: str | None) -> dict:
    from fugong.resumption.bundles import completeness

    if principal.role not in ("enterprise",) + OFFICERS:
        raise AccessDenied("bundles are for the leading firm and its officers")
    return completeness(session, principal, bundle_id=bundle_id, day=_day(request, date), settings=request.app.state.settings)


@router.get("/api/resumption/bundles/{bundle_id}")
def bundle_json(request: Request, bundle_id: str, date: str | None = None,
                principal: Principal = Depends(FILERS)) -> dict:
    return run(request, lambda s: _bundle(s, request, principal, bundle_id, date))


@router.get("/resumption/bundles/{bundle_id}", include_in_schema=False)
def bundle_page(request: Request, bundle_id: str, date: str | None = None,
                principal: Principal = Depends(FILERS)):
    data = run(request, lambda s: _bundle(s, request, principal, bundle_id, date))
    return page(request, principal, "resumption/bundle.html", {"b": data})


# --- officers -------------------------------------------------------------------------------------

QUEUES = {"review": ("submitted",), "inspection": ("provisionally_approved",), "reassessment": ("reassessment",),
          "all": ("submitted", "provisionally_approved", "reassessment")}


def _queue(session, principal: Principal, state: str, region: str) -> dict:
    from fugong.resumption.filings import queue

    if principal.role not in OFFICERS:
        raise AccessDenied("the queue is for officers")
    if state not in QUEUES:
        raise ValueError(f"state {state!r}: accepted values are {', '.join(QUEUES)}")
    data = queue(session, principal, states=QUEUES[state], region_prefix=region, sampled_only=state == "inspection")
    return {**data, "tab": state, "tabs": list(QUEUES)}


@router.get("/api/resumption/queue")
def queue_json(request: Request, state: str = "all", region: str = Query("", max_length=6),
               principal: Principal = Depends(OFFICERS_OF_REGION)) -> dict:
    return run(request, lambda s: _queue(s, principal, state, region))


@router.get("/resumption/queue", include_in_schema=False)
def queue_page(request: Request, state: str = "all", region: str = Query("", max_length=6),
               principal: Principal = Depends(OFFICERS_OF_REGION)):
    return page(request, principal, "resumption/queue.html", {"q": run(request, lambda s: _queue(s, principal, state, region))})


def _crosscheck(session, request: Request, principal: Principal, date: str | None, region: str) -> dict:
    from fugong.resumption.crosscheck import crosscheck

    if principal.role not in OFFICERS:
        raise AccessDenied("the cross-check lists are for officers")
    return crosscheck(session, principal, day=_day(request, date), settings=request.app.state.settings, region_prefix=region)


@router.get("/api/resumption/crosscheck")
def crosscheck_json(request: Request, date: str | None = None, region: str = Query("", max_length=6),
                    principal: Principal = Depends(OFFICERS_OF_REGION)) -> dict:
    return run(request, lambda s: _crosscheck(s, request, principal, date, region))


@router.get("/resumption/crosscheck", include_in_schema=False)
def crosscheck_page(request: Request, date: str | None = None, region: str = Query("", max_length=6),
                    principal: Principal = Depends(OFFICERS_OF_REGION)):
    return page(request, principal, "resumption/crosscheck.html",
                {"c": run(request, lambda s: _crosscheck(s, request, principal, date, region))})


def _report(session, request: Request, principal: Principal, date: str | None, by: str, version: int | None,
            region: str) -> dict:
    from fugong.resumption.report import report_for

    if principal.role not in OFFICERS:
        raise AccessDenied("the daily report is for officers")
    return report_for(session, principal, day=_day(request, date), level=by, settings=request.app.state.settings,
                      version=version, region_prefix=region)


REPORT_BY = Query("county", pattern="^(province|city|county)$")


@router.get("/api/resumption/report")
def report_json(request: Request, date: str | None = None, by: str = REPORT_BY, version: int | None = Query(None, ge=1),
                region: str = Query("", max_length=6), principal: Principal = Depends(OFFICERS_OF_REGION)) -> dict:
    return run(request, lambda s: _report(s, request, principal, date, by, version, region))


@router.get("/resumption/report", include_in_schema=False)
def report_page(request: Request, date: str | None = None, by: str = REPORT_BY, version: int | None = Query(None, ge=1),
                region: str = Query("", max_length=6), principal: Principal = Depends(OFFICERS_OF_REGION)):
    data = run(request, lambda s: _report(s, request, principal, date, by, version, region))
    return page(request, principal, "resumption/report.html", {"r": data})


def _export(request: Request, principal: Principal, date, by, version, region, suffix: str) -> Response:
    from fugong.resumption.report import COLUMNS
    from fugong.tabular import XLSX_MEDIA_TYPE, csv_bytes, xlsx_bytes

    data = run(request, lambda s: _report(s, request, principal, date, by, version, region))
    name = f"fugong-resumption-{data['date']}-{by}{'-v' + str(data['version']) if data['version'] else '-live'}.{suffix}"
    body = csv_bytes(COLUMNS, data["rows"]) if suffix == "csv" else xlsx_bytes(COLUMNS, data["rows"], sheet=by)
    media = "text/csv; charset=utf-8" if suffix == "csv" else XLSX_MEDIA_TYPE
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/resumption/report.csv")
def report_csv(request: Request, date: str | None = None, by: str = REPORT_BY, version: int | None = Query(None, ge=1),
               region: str = Query("", max_length=6), principal: Principal = Depends(OFFICERS_OF_REGION)) -> Response:
    """The report as CSV (UTF-8 with BOM), exactly the columns of `fugong resumption report`."""
    return _export(request, principal, date, by, version, region, "csv")


@router.get("/resumption/report.xlsx")
def report_xlsx(request: Request, date: str | None = None, by: str = REPORT_BY, version: int | None = Query(None, ge=1),
                region: str = Query("", max_length=6), principal: Principal = Depends(OFFICERS_OF_REGION)) -> Response:
    return _export(request, principal, date, by, version, region, "xlsx")


@router.post("/resumption/report/freeze")
def report_freeze(request: Request, date: str = Form(..., max_length=10), reason: str | None = Form(None, max_length=500),
                  principal: Principal = Depends(FREEZERS)):
    """Freeze a day's report now (province-wide figures: province admins of the whole territory only)."""
    from fugong.resumption.report import freeze_day

    def work(session):
        if principal.role != "province_admin":
            raise AccessDenied("freezing the report is for province admins")
        day = dt.date.fromisoformat(date)
        version, created = freeze_day(session, day=day, settings=request.app.state.settings, actor=principal.actor,
                                      reason=reason)
        return {"date": day.isoformat(), "version": version, "created": created}

    return post_result(request, principal, work, location=lambda r: f"/resumption/report?date={r['date']}",
                       back="/resumption/report")
