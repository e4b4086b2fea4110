"""The desk's pages, each with a JSON twin from the same service call, and CSV exports.

    GET  /desk                         landing: what this role does here (links, counts)
    GET  /desk/demands/new             submit a demand (a phone-sized form; enterprises, contact units, officials)
    POST /desk/demands                 record it (form or JSON); answers 303 to the demand page, or 201 JSON
    GET  /desk/demands                 list and search (q=口罩, state, category), .json, .csv
    GET  /desk/demands/{id}            a demand with its timeline and the actions this user may take (.json)
    POST /desk/demands/{id}/{action}   accept, invalidate, merge, dispatch, return, take, progress, ask, answer,
                                       resolve, reopen, rate, close
    GET  /desk/triage                  the triage office's queue: collected (with duplicate suggestions), valid
    GET  /desk/queue                   a department's queue: new, in progress, awaiting the firm, escalated,
                                       reopened; overdue and soon due
    GET  /desk/unit                    a contact unit's firms and demands collected
    GET  /desk/funnel                  the funnel of a round (?round=ID) or as of a day (?day=), per unit, .json, .csv
    GET  /desk/workbench               a paired official's firms, open and overdue demands
    GET  /desk/pairing                 coverage of the layered pairing by layer and county
    POST /desk/contacts                log a visit or call
"""

from __future__ import annotations

import datetime as dt


from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from fugong.access import AccessDenied, OutOfScope, Principal
from fugong.accounts.guard import allow
from fugong.accounts.web import db_engine
from fugong.desk import deadlines, pairing, rounds, service
from fugong.desk.settings import load_desk_config
from fugong.web.i18n import N_, translator
from fugong.web.shell import register_page
from fugong.workflow.machine import TransitionRefused
from fugong.workflow.transitions import ConcurrentChange

router = APIRouter(tags=["desk"])
STAFF = ("province_admin", "officer", "department", "service_officer")
PAGE = 50        # rows of a list page (/desk/demands), with next / previous links
SECTION = 20     # rows of each section of a queue page, with a link to all of them in the list

# Who may call each route (fugong.accounts.guard). The services narrow further by unit membership
# (triage office, department, contact unit) and pairing, and filter every list by region / firm.
DESK_USERS = allow(*STAFF, "enterprise", scope="enterprise", note="staff of a region; firms their own demands")
DEMAND_USERS = DESK_USERS
TRIAGE = allow("officer", "province_admin", scope="region", note="members of a triage office")
DEPARTMENT_QUEUE = allow("department", "officer", "province_admin", scope="region")
CONTACT_UNITS = allow("officer", "department", "province_admin", scope="region", note="members of a contact unit")
FUNNEL = allow("officer", "department", "province_admin", scope="region")
WORKBENCH = allow(*STAFF, scope="enterprise", note="an official's paired firms")

# Departments and paired officials start at the desk; officers and firms reach it from the header.
register_page("/desk", N_("Demand desk"), roles=(*STAFF, "enterprise"), order=45,
              landing=("department", "service_officer"), landing_priority=10, match=("/desk",))


def _lang(request: Request) -> str:
    from fugong.web.pages import language

    return language(request, request.app.state.settings)


def _wants_json(request: Request, fmt: str | None = None) -> bool:
    return fmt == "json" or (fmt is None and "application/json" in request.headers.get("accept", "")
                             and "text/html" not in request.headers.get("accept", ""))


def _run(request: Request, work, *, writes: bool = False):
    """Run a service call in a transaction and turn the desk's errors into HTTP answers."""
    import contextlib

    from fugong.store.db import session_scope, write_lock

    engine = db_engine(request.app)
    lock = write_lock(engine) if writes else contextlib.nullcontext()
    try:
        with lock, session_scope(engine) as session:
            return work(session)
    except OutOfScope:  # another region's or firm's demand answers as one that does not exist
        raise HTTPException(status_code=404, detail="not found / 未找到") from None
    except AccessDenied:
        raise HTTPException(status_code=403, detail="access denied / 无权访问") from None
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except TransitionRefused as exc:
        raise HTTPException(status_code=409 if exc.code == "wrong_state" else 403 if exc.code.startswith("not_")
                            or exc.code == "wrong_role" else 422, detail=f"{exc.zh} / {exc.en}") from None
    except ConcurrentChange:
        raise HTTPException(status_code=409, detail="changed meanwhile, reload / 已被他人处理，请刷新") from None
    except service.DeskError as exc:
        raise HTTPException(status_code=422, detail={"field": exc.field, "message": exc.message}) from None
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


def _page(request: Request, principal: Principal, name: str, context: dict, status_code: int = 200) -> HTMLResponse:
    from fugong.web.pages import render

    return render(request, f"desk/{name}", {"config": load_desk_config(), **context}, principal=principal,
                  status_code=status_code)


def _page_or_json(request: Request, principal: Principal, name: str, build) -> HTMLResponse | JSONResponse:
    """``build(session)``'s view as the page ``name``, or as itself at the .json twin address."""
    view = _run(request, build)
    if request.url.path.endswith(".json"):
        return JSONResponse(view)
    return _page(request, principal, name, {"view": view})


def _suffix(request: Request) -> str | None:
    """"json" or "csv" for the twin addresses (/desk/demands.json), None for the page."""
    last = request.url.path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[1] if "." in last else None


def _today(request: Request) -> dt.date:
    return request.app.state.settings.as_of or service.local_day(service._now())


def _briefs(rows, lang: str) -> list[dict]:
    """A list's rows as dicts. The category and state names come from the configuration and the
    machine, read once per list (each load checks the file's mtime: a few stat calls, which at 300
    rows a page were a third of a queue's time)."""
    config, states = load_desk_config(), service.machine().states
    from sqlalchemy.orm import object_session

    from fugong.enterprises.service import names_of

    rows = list(rows)
    # an officer triages by the firm's name (the rows are already scoped to what the principal may see)
    names = names_of(object_session(rows[0]), (demand.enterprise_id for demand in rows)) if rows else {}
    return [{**_brief(demand, lang, config=config, states=states), "enterprise_name": names.get(demand.enterprise_id, "")}
            for demand in rows]


def _brief(demand, lang: str, *, config, states) -> dict:
    category = config.categories.get(demand.category)
    state = states.get(demand.state)
    return {"id": demand.id, "code": f"D{demand.id:06d}", "enterprise_id": demand.enterprise_id,
            "region_code": demand.region_code, "category": demand.category,
            "category_name": category.name(lang) if category else demand.category, "text": demand.text,
            "state": demand.state, "state_name": (state.zh if lang == "zh" else state.en) if state else demand.state,
            "department": demand.department, "contact_unit": demand.contact_unit,
            "due_on": demand.due_on.isoformat() if demand.due_on else None,
            "escalation_level": demand.escalation_level,
            "amount_yuan": float(demand.amount_yuan) if demand.amount_yuan is not None else None,
            "created_at": service.transitions._aware(demand.created_at).isoformat(),
            "updated_at": service.transitions._aware(demand.updated_at).isoformat()}


# --- landing --------------------------------------------------------------------------------------------

def landing_view(session, principal: Principal, lang: str) -> dict:
    units = service.units_of(session, principal.user_id)
    links = []
    if principal.role == "enterprise":
        links = [("/desk/demands/new", N_("Raise a demand")), ("/desk/demands", N_("My demands"))]
    if principal.role == "service_officer":
        links = [("/desk/workbench", N_("My workbench")), ("/desk/demands/new", N_("Record a demand from a visit"))]
    if principal.role in ("officer", "province_admin"):
        if any(u.is_triage for u in units) or principal.role == "province_admin":
            links.append(("/desk/triage", N_("Triage")))
        if any(u.is_contact for u in units):
            links.append(("/desk/unit", N_("My firms")))
        links += [("/desk/demands/new", N_("Record a demand")), ("/desk/funnel", N_("Funnel")),
                  ("/desk/pairing", N_("Pairing coverage"))]
    if principal.role == "department":
        links = [("/desk/queue", N_("Queue")), ("/desk/funnel", N_("Funnel"))]
        if any(u.is_contact for u in units):
            links.append(("/desk/unit", N_("My firms")))
    links.append(("/desk/demands", N_("Search demands")))
    total, _ = service.list_demands(session, principal, state=service.OPEN_STATES, limit=1)
    return {"role": principal.role, "units": [{"code": u.code, "name": u.name_zh if lang == "zh" else u.name_en}
                                              for u in units],
            "open_demands": total,
            "links": [{"href": h, "name": translator(lang)(message)} for h, message in links]}


@router.get("/desk", response_class=HTMLResponse)
@router.get("/desk.json", include_in_schema=False)
def landing(request: Request, principal: Principal = Depends(DESK_USERS)):
    lang = _lang(request)
    return _page_or_json(request, principal, "landing.html", lambda s: landing_view(s, principal, lang))


# --- demands --------------------------------------------------------------------------------------------

@router.get("/desk/demands/new", response_class=HTMLResponse)
def new_demand(request: Request, enterprise_id: str | None = None, principal: Principal = Depends(DEMAND_USERS)):
    firms = sorted(principal.enterprise_ids) if principal.role == "enterprise" else []
    if principal.role == "service_officer":
        firms = _run(request, lambda s: [p.enterprise_id for p in pairing.my_firms(s, principal.user_id)])
    return _page(request, principal, "new.html", {"firms": firms, "enterprise_id": enterprise_id or
                                                  (firms[0] if len(firms) == 1 else ""), "error": None})


@router.post("/desk/demands")
async def submit(request: Request, principal: Principal = Depends(DEMAND_USERS)):
    is_json = request.headers.get("content-type", "").startswith("application/json")
    form = dict(await request.json()) if is_json else {k: v for k, v in (await request.form()).items()}
    upload = form.pop("attachment", None)
    settings = request.app.state.settings

    def work(session):
        demand = service.submit_demand(
            session, principal, enterprise_id=str(form.get("enterprise_id") or "").strip(),
            category=str(form.get("category") or ""), text=str(form.get("text") or ""),
            amount_yuan=form.get("amount_yuan") or None, policy_ref=form.get("policy_ref") or None,
            log_contact=principal.role in ("service_officer", "officer", "department") and bool(form.get("visit")))
        if upload is not None and getattr(upload, "filename", ""):
            content = upload.file.read(service.MAX_ATTACHMENT + 1)
            service.add_attachment(session, principal, demand_id=demand.id, filename=upload.filename,
                                   content_type=upload.content_type or "", content=content, data_dir=settings.data_dir)
        return demand.id

    from starlette.concurrency import run_in_threadpool

    try:
        demand_id = await run_in_threadpool(_run, request, work, writes=True)
    except HTTPException as failure:
        if is_json or failure.status_code != 422:
            raise
        detail = failure.detail if isinstance(failure.detail, dict) else {"field": "", "message": str(failure.detail)}
        return _page(request, principal, "new.html", {"firms": sorted(principal.enterprise_ids),
                                                      "enterprise_id": form.get("enterprise_id", ""), "error": detail,
                                                      "form": form}, status_code=422)
    if is_json:
        return JSONResponse({"id": demand_id, "code": f"D{demand_id:06d}", "url": f"/desk/demands/{demand_id}"},
                            status_code=201)
    return RedirectResponse(f"/desk/demands/{demand_id}", status_code=303)


LIST_FILTERS = ("q", "state", "category", "region", "department", "unit", "order")
ORDERS = ("updated", "due", "created")


def list_url(**params) -> str:
    """/desk/demands with these filters (empty ones left out): the queues' "all" links and the pages'
    next / previous links, so a page of 50 leads to the rest (as datasette pages its tables)."""
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return "/desk/demands" + (f"?{query}" if query else "")


def _list(session, principal: Principal, params, lang: str) -> dict:
    state = params.get("state") or None
    if state == "open":
        states = service.OPEN_STATES
    elif state:
        states = [part for part in state.split(",") if part]
        unknown = [part for part in states if part not in service.machine().states]
        if unknown:
            raise service.DeskError("state", f"unknown state {unknown[0]!r}")
    else:
        states = None
    order = params.get("order") or "updated"
    if order not in ORDERS:
        raise service.DeskError("order", f"accepted values are {', '.join(ORDERS)}")
    page = max(1, int(params.get("page") or 1)) if str(params.get("page") or "1").isdigit() else 1
    total, rows = service.list_demands(session, principal, state=states, category=params.get("category") or None,
                                       query=params.get("q") or None, region_prefix=params.get("region") or "",
                                       department=params.get("department") or None,
                                       contact_unit=params.get("unit") or None, order=order,
                                       limit=PAGE, offset=(page - 1) * PAGE)
    filters = {key: params.get(key) for key in LIST_FILTERS}
    return {"total": total, "page": page, "per_page": PAGE, "q": params.get("q") or "", "state": state,
            "category": params.get("category"), "filters": {k: v for k, v in filters.items() if v},
            "previous_url": list_url(**filters, page=page - 1) if page > 1 else None,
            "next_url": list_url(**filters, page=page + 1) if page * PAGE < total else None,
            "demands": _briefs(rows, lang)}


@router.get("/desk/demands", response_class=HTMLResponse)
@router.get("/desk/demands.json", include_in_schema=False)
@router.get("/desk/demands.csv", include_in_schema=False)
def demands(request: Request, principal: Principal = Depends(DEMAND_USERS)):
    fmt = _suffix(request)
    lang = _lang(request)
    params = dict(request.query_params)
    if params.get("region") and not params["region"].isdigit():
        raise HTTPException(status_code=422, detail="region must be digits")
    view = _run(request, lambda s: _list(s, principal, params, lang))
    if fmt == "json":
        return JSONResponse(view)
    if fmt == "csv":
        from fugong.tabular import csv_bytes

        columns = ["code", "enterprise_id", "region_code", "category", "state", "department", "due_on", "amount_yuan",
                   "created_at", "text"]
        return Response(csv_bytes(columns, view["demands"]), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="demands.csv"'})
    return _page(request, principal, "list.html", {"view": view})


def _detail(session, principal: Principal, demand_id: str, lang: str) -> dict:
    demand = service.get_demand(session, principal, demand_id)
    view = service.demand_view(session, demand, lang=lang, principal=principal, with_timeline=True)
    if principal.role in ("officer", "province_admin") and demand.state == "collected":
        view["duplicates"] = service.duplicate_candidates(session, principal, demand_id=demand.id)
    if "dispatch" in [a["action"] for a in view.get("actions", [])]:
        from fugong.desk import routing
        from fugong.desk.models import Unit
        from sqlalchemy import select

        routed = routing.route(session, demand)
        view["suggested_department"] = routed.department if routed else None
        view["departments"] = [{"code": u.code, "name": u.name_zh if lang == "zh" else u.name_en}
                               for u in session.scalars(select(Unit).where(Unit.is_department.is_(True))
                                                        .order_by(Unit.code))
                               if demand.region_code.startswith(u.region_code) or u.region_code.startswith(demand.region_code[:4])]
    if principal.role == "enterprise":  # the firm sees who handles it, not the officers' names
        for row in view["timeline"]:
            row["actor"] = row["role"]
    return view


@router.get("/desk/demands/{demand_id}", response_class=HTMLResponse)
def demand_page(request: Request, demand_id: str, principal: Principal = Depends(DEMAND_USERS)):
    lang = _lang(request)
    if demand_id.endswith(".json"):
        return JSONResponse(_run(request, lambda s: _detail(s, principal, demand_id[:-5], lang)))
    view = _run(request, lambda s: _detail(s, principal, demand_id, lang))
    return _page(request, principal, "demand.html", {"view": view})


@router.post("/desk/demands/{demand_id}/{action}")
async def act(request: Request, demand_id: str, action: str, principal: Principal = Depends(DEMAND_USERS)):
    if action not in service.ACTIONS:
        raise HTTPException(status_code=404, detail=f"unknown action {action}")
    is_json = request.headers.get("content-type", "").startswith("application/json")
    form = dict(await request.json()) if is_json else {k: v for k, v in (await request.form()).items()
                                                       if isinstance(v, str)}
    note = (form.get("reason") or form.get("note") or "").strip() or None
    settings = request.app.state.settings

    def work(session):
        demand = service.get_demand(session, principal, demand_id)
        kwargs: dict = {"demand_id": demand.id}
        if action in ("invalidate", "return", "reopen"):
            kwargs["reason"] = note or ""
        elif action in ("accept", "take", "close"):
            kwargs["reason"] = note
        elif action == "progress":
            kwargs["note"] = note or ""
        elif action == "ask":
            kwargs["question"] = note or ""
        elif action == "answer":
            kwargs["text"] = note or ""
        elif action == "resolve":
            kwargs["outcome"] = note or ""
            kwargs["amounts"] = {k: form[k] for k in service.OUTCOME_AMOUNTS if form.get(k) not in (None, "")}
        elif action == "rate":
            try:
                kwargs["rating"] = int(form.get("rating") or 0)
            except ValueError:
                raise service.DeskError("rating", "a whole number 1–5") from None
            kwargs["comment"] = note
        elif action == "merge":
            try:
                kwargs["into"] = int(str(form.get("into") or "").lstrip("Dd"))
            except ValueError:
                raise service.DeskError("into", "the id of the demand that stays") from None
        elif action == "dispatch":
            kwargs["department"] = form.get("department") or None
            kwargs["reason"] = note
        if action in ("invalidate", "dispatch", "ask", "answer", "resolve", "reopen"):
            kwargs["settings"] = settings
        service.ACTIONS[action](session, principal, **kwargs)
        return service.demand_view(session, demand, lang=_lang(request), principal=principal)

    from starlette.concurrency import run_in_threadpool

    view = await run_in_threadpool(_run, request, work, writes=True)
    if is_json:
        return JSONResponse(view)
    return RedirectResponse(f"/desk/demands/{view['id']}", status_code=303)


# --- queues ---------------------------------------------------------------------------------------------

def triage_view(session, principal: Principal, lang: str) -> dict:
    if principal.role != "province_admin" and not any(u.is_triage for u in service.units_of(session, principal.user_id)):
        raise AccessDenied("not a member of a triage office")
    total_new, new = service.list_demands(session, principal, state="collected", order="created", limit=SECTION)
    total_valid, valid = service.list_demands(session, principal, state=("valid", "reopened"), order="created",
                                              limit=SECTION)
    return {"collected": {"count": total_new, "demands": _briefs(new, lang),
                          "all_url": list_url(state="collected", order="created")},
            "to_dispatch": {"count": total_valid, "demands": _briefs(valid, lang),
                            "all_url": list_url(state="valid,reopened", order="created")}}


@router.get("/desk/triage", response_class=HTMLResponse)
@router.get("/desk/triage.json", include_in_schema=False)
def triage_page(request: Request, principal: Principal = Depends(TRIAGE)):
    lang = _lang(request)
    return _page_or_json(request, principal, "triage.html", lambda s: triage_view(s, principal, lang))


def queue_view(session, principal: Principal, lang: str, today: dt.date, unit: str | None) -> dict:
    mine = [u for u in service.units_of(session, principal.user_id) if u.is_department]
    if principal.role == "department" and not mine:
        raise AccessDenied("not a member of a department")
    codes = [u.code for u in mine]
    department = unit or (codes[0] if codes else None)
    if principal.role == "department" and department not in codes:
        raise AccessDenied("not your department")
    if department is None:
        raise LookupError("name a department: ?unit=CODE")
    out = {"department": department, "departments": codes, "today": today.isoformat(), "lists": {}}
    for key, states in (("new", ("dispatched", "reopened")), ("in_progress", ("in_progress",)),
                        ("awaiting_enterprise", ("awaiting_enterprise",)), ("escalated", ("escalated",))):
        total, rows = service.list_demands(session, principal, state=states, department=department, order="due",
                                           limit=SECTION)
        out["lists"][key] = {"count": total, "demands": _briefs(rows, lang),
                             "all_url": list_url(state=",".join(states), department=department, order="due")}
    due = deadlines.due_lists(session, principal, department=department, today=today, limit=SECTION)
    for key in ("overdue", "soon"):
        out["lists"][key] = {"count": due[key]["count"], "demands": _briefs(due[key]["demands"], lang),
                             "all_url": None}
    return out


@router.get("/desk/queue", response_class=HTMLResponse)
@router.get("/desk/queue.json", include_in_schema=False)
def queue_page(request: Request, unit: str | None = None, principal: Principal = Depends(DEPARTMENT_QUEUE)):
    lang, today = _lang(request), _today(request)
    return _page_or_json(request, principal, "queue.html", lambda s: queue_view(s, principal, lang, today, unit))


def unit_view(session, principal: Principal, lang: str) -> dict:
    from sqlalchemy import func, select

    from fugong.desk.models import Contact, GridArea, GridFirm

    units = [u for u in service.units_of(session, principal.user_id) if u.is_contact or u.is_town]
    if not units:
        raise AccessDenied("not a member of a contact unit")
    codes = [u.code for u in units]
    areas = list(session.scalars(select(GridArea).where(GridArea.unit_code.in_(codes)).order_by(GridArea.code)))
    firms = dict(session.execute(select(GridFirm.area_code, func.count()).where(
        GridFirm.area_code.in_([a.code for a in areas])).group_by(GridFirm.area_code)).all())
    contacted = session.scalar(select(func.count(func.distinct(Contact.enterprise_id))).where(Contact.unit_code.in_(codes)))
    total, rows = service.list_demands(session, principal, contact_unit=codes[0], limit=SECTION)
    return {"units": [{"code": u.code, "name": u.name_zh if lang == "zh" else u.name_en} for u in units],
            "areas": [{"code": a.code, "name": a.name, "firms": firms.get(a.code, 0)} for a in areas],
            "firms_contacted": contacted or 0,
            "collected": {"count": total, "demands": _briefs(rows, lang), "all_url": list_url(unit=codes[0])}}


@router.get("/desk/unit", response_class=HTMLResponse)
@router.get("/desk/unit.json", include_in_schema=False)
def unit_page(request: Request, principal: Principal = Depends(CONTACT_UNITS)):
    lang = _lang(request)
    return _page_or_json(request, principal, "unit.html", lambda s: unit_view(s, principal, lang))


# --- funnel ---------------------------------------------------------------------------------------------

def funnel_view(session, principal: Principal, *, region: str, round_id: str | None, day: str | None) -> dict:
    if not region.isdigit():
        raise ValueError("region must be digits")
    all_rounds = rounds.rounds_of(session, principal, region_prefix=region)
    if round_id:
        if not round_id.isdigit():
            raise ValueError("round must be an id")
        view = rounds.round_funnel(session, principal, round_id=int(round_id), region_prefix=region)
    else:
        if day:
            until_day = dt.date.fromisoformat(day)
        elif all_rounds:
            view = rounds.round_funnel(session, principal, round_id=all_rounds[-1].id, region_prefix=region)
            until_day = None
        else:
            until_day = service.local_day(service._now())
        if until_day is not None:
            until = dt.datetime.combine(until_day + dt.timedelta(days=1), dt.time(0), tzinfo=service.TZ)
            view = {"round": None, **rounds.funnel(session, principal, region_prefix=region, until=until),
                    "round_flow": None}
    view["rounds"] = rounds.series(session, principal, region_prefix=region) if all_rounds else []
    view["labels"] = {k: {"zh": v[0], "en": v[1]} for k, v in rounds.LABELS.items()}
    return view


@router.get("/desk/funnel", response_class=HTMLResponse)
@router.get("/desk/funnel.json", include_in_schema=False)
@router.get("/desk/funnel.csv", include_in_schema=False)
def funnel_page(request: Request, region: str | None = None, round: str | None = None,
                day: str | None = None, principal: Principal = Depends(FUNNEL)):
    fmt = _suffix(request)
    region = region or principal.region_prefix or request.app.state.settings.open311_jurisdiction or ""
    view = cached_funnel(request, principal, region=region, round_id=round, day=day)
    if fmt == "json":
        return JSONResponse(view)
    if fmt == "csv":
        return Response(funnel_csv(view), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="funnel.csv"'})
    return _page(request, principal, "funnel.html", {"view": view, "figures": rounds.FIGURES + rounds.MONEY})


def cached_funnel(request: Request, principal: Principal, *, region: str, round_id: str | None,
                  day: str | None) -> dict:
    """The funnel view, built once per data version: the key holds the caller's scope, the query and
    ``rounds.data_stamp`` (the newest transition and contact rows), so any new row rebuilds it."""
    from fugong.web.viewcache import scope_of, view_cache

    stamp = _run(request, rounds.data_stamp)
    key = ("desk.funnel", scope_of(principal), region, round_id, day, stamp)
    return view_cache(request.app).get_or_make(
        key, lambda: _run(request, lambda s: funnel_view(s, principal, region=region, round_id=round_id, day=day)))


def funnel_csv(view: dict) -> bytes:
    """Rows: the totals (as of the round's end), each contact unit, each department, each round."""
    from fugong.tabular import csv_bytes

    columns = ["scope", "unit", "name", *rounds.FIGURES, *rounds.MONEY]
    rows = [{"scope": "total", "unit": view["region_prefix"], "name": view.get("until"), **view["figures"]}]
    rows += [{"scope": "contact_unit", "name": u["name_zh"], **u} for u in view.get("by_contact_unit", [])]
    rows += [{"scope": "department", "name": u["name_zh"], **u} for u in view.get("by_department", [])]
    for entry in view.get("rounds", []):
        rows.append({"scope": "round_cumulative", "unit": entry["round"]["number"], "name": entry["round"]["report_day"],
                     **entry["cumulative"]})
        rows.append({"scope": "round_flow", "unit": entry["round"]["number"], "name": entry["round"]["report_day"],
                     **entry["flow"]})
    return csv_bytes(columns, rows)


# --- pairing ------------------------------------------------------------------------------------------

@router.get("/desk/workbench", response_class=HTMLResponse)
@router.get("/desk/workbench.json", include_in_schema=False)
def workbench_page(request: Request, principal: Principal = Depends(WORKBENCH)):
    today = _today(request)
    return _page_or_json(request, principal, "workbench.html", lambda s: pairing.workbench(s, principal, today=today))


@router.get("/desk/pairing", response_class=HTMLResponse)
@router.get("/desk/pairing.json", include_in_schema=False)
def pairing_page(request: Request, region: str | None = None, principal: Principal = Depends(FUNNEL)):
    if region and not region.isdigit():
        raise HTTPException(status_code=422, detail="region must be digits")
    return _page_or_json(request, principal, "pairing.html", lambda s: pairing.coverage(s, principal, region_prefix=region or ""))


@router.post("/desk/contacts")
async def log_contact(request: Request, principal: Principal = Depends(WORKBENCH)):
    is_json = request.headers.get("content-type", "").startswith("application/json")
    form = dict(await request.json()) if is_json else {k: v for k, v in (await request.form()).items()}

    def work(session):
        row = service.record_contact(session, principal, enterprise_id=str(form.get("enterprise_id") or ""),
                                     channel=str(form.get("channel") or "visit"), note=str(form.get("note") or ""))
        return {"id": row.id, "enterprise_id": row.enterprise_id, "at": row.at.isoformat()}

    from starlette.concurrency import run_in_threadpool

    result = await run_in_threadpool(_run, request, work, writes=True)
    if is_json:
        return JSONResponse(result, status_code=201)
    return RedirectResponse("/desk/workbench", status_code=303)



