"""Dashboard pages and their JSON twins (one service call each, as in datasette).

    GET /overview        /overview.json                 the as-of day for the caller's scope
    GET /explorer        /explorer.json                 curves (?series=county:330110&series=section:C)
                                                        and drill-down (?code=330100, a county → enterprises)
    GET /explorer.csv    /explorer.xlsx                 what the explorer shows (?part=table|series); a county's
                                                        enterprise list is streamed whole (every page)
    GET /enterprise      /enterprise.json               one enterprise (?id=): daily kWh against its baseline and
                                                        threshold, cohort, flags and reasons, load shape

A county's enterprise list is paged, sorted and filtered on the server:
``?code=330110&page=2&per_page=50&sort=ratio&order=asc&cohort=resumed&flag=idle_suspect&section=C&size=small&q=五金``.

Every route declares who may call it (``DASHBOARD``, fugong.accounts.guard); the service filters by
the caller's region prefix and raises AccessDenied (a role that may not → 403), OutOfScope (another
region → 404, as if it did not exist) or NotFound (→ 404). The day shown: ``?date=``, else the day
chosen in the header on an earlier page, else FUGONG_AS_OF (fugong.web.pages.chosen_day).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from fugong.access import AccessDenied, OutOfScope, Principal
from fugong.accounts.guard import allow
from fugong.dashboard import service
from fugong.web.i18n import N_
from fugong.web.pages import DatePicker, block_context, chosen_day, dashboard_days, json_text, language, render
from fugong.web.shell import register_page
from fugong.web.viewcache import json_bytes, page_blocks, render_page, scope_of, view_cache

router = APIRouter(tags=["dashboard"])
# Who may call these routes (fugong.accounts.guard): the index is for the command centre and the grid.
DASHBOARD_USERS = tuple(sorted(service.DASHBOARD_ROLES - {"system"}))
DASHBOARD = allow(*DASHBOARD_USERS, scope="region")
# One enterprise's electricity: the roles that see enterprises (not aggregates only); the service checks its county.
ENTERPRISE_VIEW = allow(*sorted(service.ENTERPRISE_ROLES - {"system"}), scope="region")
register_page("/overview", N_("Overview"), roles=DASHBOARD_USERS, order=10,
              landing=("province_admin", "officer", "department"))
register_page("/explorer", N_("Index explorer"), roles=DASHBOARD_USERS, order=20, landing=("grid_analyst",))

AGGREGATE_COLUMNS = ("date", "level", "code", "name", "index", "resumed_share", "energy_ratio", "resumed",
                     "reporting", "enterprises", "resumed_kwh", "baseline_kwh", "total_kwh", "band")
ENTERPRISE_COLUMNS = ("enterprise_id", "name", "uscc", "industry_code", "size_class", "baseline_kwh", "kwh",
                      "threshold_kwh", "ratio", "resumed", "cohort", "first_resumption", "never_stopped", "idle_suspect",
                      "idle_reasons")
LIST_PARAMS = ("page", "per_page", "sort", "order", "cohort", "flag", "section", "size", "q")


def _list_options(request: Request) -> dict:
    """The county list's paging, sort and filters from the query string (validated by the service)."""
    query = request.query_params
    out = {}
    for key in LIST_PARAMS:
        value = query.get(key)
        if value in (None, ""):
            continue
        if key in ("page", "per_page"):
            try:
                out[key] = int(value[:9])
            except ValueError:
                raise HTTPException(status_code=400, detail=f"{key} must be a number") from None
        else:
            out[key] = value[:60]
    return out


def _settings(request: Request):
    return request.app.state.settings


def _call(fn, **kwargs):
    """Run a service function, mapping its refusals to HTTP answers (403 without detail, 404, 400)."""
    try:
        return fn(**kwargs)
    except OutOfScope:
        raise HTTPException(status_code=404, detail="not found / 未找到") from None
    except AccessDenied:
        raise HTTPException(status_code=403, detail="access denied / 无权访问") from None
    except service.NotFound:
        raise HTTPException(status_code=404, detail="not found / 未找到") from None
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


def has_route(app, path: str) -> bool:
    """Does the app serve this path template (included routers too)?"""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: included routes are flattened into app.routes
        return any(getattr(route, "path", None) == path for route in app.routes)
    return any(getattr(context, "path", None) == path for context in iter_route_contexts(app.routes))


def install(app) -> None:
    """Include the dashboard router (and accounts) unless the app already has them."""
    if not has_route(app, "/login"):
        from fugong.accounts.web import install as install_accounts

        install_accounts(app)
    if not has_route(app, "/overview"):
        app.include_router(router)


def _has_route(request: Request, path: str) -> bool:
    return has_route(request.app, path)


def _day(request: Request) -> dt.date:
    """The day shown: ?date= (400 when malformed), the header's remembered day, FUGONG_AS_OF."""
    return chosen_day(request, dashboard_days(_settings(request)))


def _picker(request: Request, day: dt.date) -> DatePicker:
    return DatePicker.of(dashboard_days(_settings(request)), day)


_json_text = json_text


# --- overview -----------------------------------------------------------------------------------


# The overview is built once per (caller's scope, day, data version) and kept in the app's view
# cache: the service dict, its JSON bytes, and the page's rendered blocks (per language). A cache hit
# is answered on the event loop without a thread; only the user's own chrome is rendered per request.


def _overview_key(request: Request, principal: Principal, date: str | None) -> tuple:
    settings = _settings(request)
    _call(service.require_dashboard, principal=principal)
    day = _day(request)
    return scope_of(principal), day, service.overview_version(settings, day)


def _overview_data(request: Request, principal: Principal, key: tuple) -> dict:
    _scope, day, _version = key
    return view_cache(request.app).get_or_make(
        ("overview",) + key,
        lambda: _call(service.overview, settings=_settings(request), principal=principal, date=day))


@router.get("/overview.json")
async def overview_json(request: Request, date: str | None = Query(None, description="YYYY-MM-DD; default the as-of day"),
                        principal: Principal = Depends(DASHBOARD)) -> dict:
    """The overview: the day's index R with N, E and the counts behind them, change since the previous
    day, by county / city / industry, worst and best counties, data freshness."""
    key = _overview_key(request, principal, date)
    body = await view_cache(request.app).get_or_make_async(
        ("overview.json",) + key, lambda: json_bytes(_overview_data(request, principal, key)))
    return Response(body, media_type="application/json")  # the dict above, encoded once per version


@router.get("/overview", response_class=HTMLResponse, include_in_schema=False)
async def overview_page(request: Request, date: str | None = None, principal: Principal = Depends(DASHBOARD)):
    from fugong.web.pages import templates

    key = _overview_key(request, principal, date)
    lang = language(request)
    map_key = await run_in_threadpool(_map_key, request, principal, key[1])

    def blocks() -> dict:
        data = _overview_data(request, principal, key)
        context = block_context(lang, data=data, map_view=_map_view(request, principal, map_key))
        return page_blocks(templates, "dashboard/overview.html", context)

    rendered = await view_cache(request.app).get_or_make_async(("overview.html", lang, map_key) + key, blocks)
    return render_page(request, rendered, principal=principal, dates=_picker(request, key[1]))


def _map_key(request: Request, principal: Principal, day: dt.date) -> tuple | None:
    """The cache key of the risk map the overview draws for its day (the last grading on or before
    it), or None when the app has no map or the caller's role may not see it."""
    if not _has_route(request, "/risk/map"):
        return None
    from fugong.risk.views import MAP_ROLES, map_key

    if principal.role not in MAP_ROLES:
        return None
    return map_key(request, principal, rules=None, date=day.isoformat(), prefix="", mode="level")


def _map_view(request: Request, principal: Principal, key: tuple | None) -> dict | None:
    from fugong.risk.views import cached_map_view

    return cached_map_view(request, principal, key) if key is not None else None


# --- explorer -----------------------------------------------------------------------------------


def _explorer(request: Request, principal: Principal, *, series: list[str], code: str | None,
              date: str | None, list_options: dict | None = None) -> dict:
    """The one call behind the explorer page and its JSON, CSV and XLSX twins."""
    settings = _settings(request)
    _call(service.require_dashboard, principal=principal)
    day = _day(request)
    requested = [k for k in series if k][:8]
    # Without chosen series the curve follows the drill-down: the region drilled into, else the scope.
    drilled = f"{service.region_level(code)}:{code}" if code and code.isdigit() and len(code) == 6 else None
    keys = requested or [k for k in [drilled or service.default_key(principal, settings)] if k]
    curves = _call(service.series, settings=settings, principal=principal, keys=keys)
    is_county = bool(code) and code.isdigit() and len(code) == 6 and code[4:] != "00"
    if is_county and principal.role in service.ENTERPRISE_ROLES:
        table = _call(service.county_enterprises, settings=settings, principal=principal, county=code, date=day,
                      **(list_options if list_options is not None else _list_options(request)))
        table = {**table, "level": "enterprise"}
    elif is_county:
        if not service.covers(principal, "county", code):
            raise HTTPException(status_code=404, detail="not found / 未找到")
        table = {"date": day.isoformat(), "level": "enterprise", "county": code, "rows": [],
                 "aggregates_only": True, "breadcrumb": service.breadcrumb(principal, settings, code, day)}
    else:
        table = _call(service.drill, settings=settings, principal=principal, code=code, date=day)
    choices = _call(service.series_choices, settings=settings, principal=principal)
    return {"series": curves["series"], "marks": curves["marks"], "series_keys": keys, "requested_keys": requested, "table": table,
            "code": code, "levels": list(service.LEVELS), "choices": choices}


@router.get("/explorer.json")
def explorer_json(request: Request, series: list[str] = Query(default=[], description="LEVEL:CODE, repeatable"),
                  code: str | None = Query(None, description="region to drill into (six digits)"),
                  date: str | None = None, principal: Principal = Depends(DASHBOARD)) -> dict:
    """Index curves (N, E, R and counts per day) of the requested series, and the drill-down table."""
    return _explorer(request, principal, series=series, code=code, date=date)


@router.get("/explorer", response_class=HTMLResponse, include_in_schema=False)
def explorer_page(request: Request, series: list[str] = Query(default=[]), code: str | None = None,
                  date: str | None = None, principal: Principal = Depends(DASHBOARD)):
    data = _explorer(request, principal, series=series, code=code, date=date)
    return render(request, "dashboard/explorer.html", {"data": data, "json_data": _json_text}, principal=principal,
                  dates=_picker(request, dt.date.fromisoformat(data["table"]["date"])))


def _export_rows(data: dict, part: str) -> tuple[tuple[str, ...], list[dict]]:
    if part == "series":
        columns = ("series",) + AGGREGATE_COLUMNS
        return columns, [{"series": s["key"], **row} for s in data["series"] for row in s["rows"]]
    if data["table"].get("level") == "enterprise":
        return ENTERPRISE_COLUMNS, data["table"]["rows"]
    return AGGREGATE_COLUMNS, data["table"]["rows"]


def _filename(data: dict, part: str, suffix: str) -> str:
    where = data.get("code") or "scope"
    return f"fugong-{part}-{where}-{data['table'].get('date', '')}.{suffix}"


@router.get("/explorer.csv")
def explorer_csv(request: Request, series: list[str] = Query(default=[]), code: str | None = None,
                 date: str | None = None, part: str = Query("table", pattern="^(table|series)$"),
                 principal: Principal = Depends(DASHBOARD)) -> Response:
    """What the explorer shows, as CSV (UTF-8 with BOM so that Excel reads Chinese names)."""
    from fastapi.responses import StreamingResponse

    from fugong.exports import cells

    options = _list_options(request)
    data = _explorer(request, principal, series=series, code=code, date=date,
                     list_options={k: v for k, v in options.items() if k not in ("page", "per_page")})
    columns, rows = _export_rows(data, part)
    batches = _all_enterprises(request, principal, data, options) if part == "table" and data["table"].get("level") == "enterprise" \
        and not data["table"].get("aggregates_only") else iter([rows])

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(columns)
        for batch in batches:
            writer.writerows(cells(_flat(row), columns) for row in batch)  # no cell may start a formula (OWASP)
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0), buffer.truncate()
        if buffer.tell():
            yield buffer.getvalue().encode("utf-8")

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{_filename(data, part, "csv")}"'})


def _flat(row: dict) -> dict:
    """Lists (the idle reasons) as one text cell."""
    return {k: " ".join(v) if isinstance(v, list) else v for k, v in row.items()}


def _all_enterprises(request: Request, principal: Principal, data: dict, options: dict):
    """Every row of the county list the export is asked for (all pages), in batches."""
    table = data["table"]
    keep = {k: v for k, v in options.items() if k not in ("page", "per_page")}
    return _call(service.county_enterprise_rows, settings=_settings(request), principal=principal, county=table["county"],
                 date=dt.date.fromisoformat(table["date"]), **keep)


@router.get("/explorer.xlsx")
def explorer_xlsx(request: Request, series: list[str] = Query(default=[]), code: str | None = None,
                  date: str | None = None, principal: Principal = Depends(DASHBOARD)) -> Response:
    """What the explorer shows, as an Excel workbook: sheet 'table' and sheet 'series'."""
    from openpyxl import Workbook

    from fugong.exports import cells

    options = _list_options(request)
    data = _explorer(request, principal, series=series, code=code, date=date,
                     list_options={k: v for k, v in options.items() if k not in ("page", "per_page")})
    book = Workbook(write_only=True)  # rows go to the file as they come (a county has thousands)
    for part in ("table", "series"):
        columns, rows = _export_rows(data, part)
        batches = _all_enterprises(request, principal, data, options) if part == "table" and \
            data["table"].get("level") == "enterprise" and not data["table"].get("aggregates_only") else [rows]
        sheet = book.create_sheet(part)
        sheet.append(list(columns))
        for batch in batches:
            for row in batch:
                sheet.append(cells(_flat(row), columns))
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(data, "explorer", "xlsx")}"'})


# --- enterprise page ------------------------------------------------------------------------------


@router.get("/enterprise.json")
def enterprise_json(request: Request, id: str = Query(..., max_length=64, description="enterprise_id"),
                    principal: Principal = Depends(ENTERPRISE_VIEW)) -> dict:
    """One enterprise: attributes, cohort, first resumption, flags with reasons, its daily kWh against
    its baseline and threshold (stored by `fugong index run`), and its load shape where interval data exist."""
    return _call(service.enterprise_detail, settings=_settings(request), principal=principal, enterprise_id=id)


@router.get("/enterprise", response_class=HTMLResponse, include_in_schema=False)
def enterprise_page(request: Request, id: str = Query(..., max_length=64), principal: Principal = Depends(ENTERPRISE_VIEW)):
    data = _call(service.enterprise_detail, settings=_settings(request), principal=principal, enterprise_id=id)
    return render(request, "dashboard/enterprise.html", {"data": data}, principal=principal)
