"""Web helpers the workflow routers share (resumption now; the demand desk, passes … next).

    run(request, work, writes=True)   one transaction around a service call; domain errors → HTTP (service_error):
        AccessDenied 403 · OutOfScope (another region's or enterprise's) and LookupError 404 · TransitionRefused / ConcurrentChange 409 (zh/en reason)
        · ValueError (bad input, FilingRefused, EnterpriseError …) 422
    page(request, principal, "resumption/queue.html", {...})   a page in the shell (fugong.web.pages.render)
    done(request, payload, location)   after a form POST: JSON for API clients, 303 to the page otherwise
    wants_json(request)                the client asked for JSON (Accept) rather than a page

Templates translate with ``_('English')`` (catalogue messages, docs/i18n.md); texts that come with both
languages in data (state names of the TOML machines, reasons) are picked with ``tr.pick(value)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from fugong.access import AccessDenied, OutOfScope, Principal


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _detail(exc: Exception) -> dict:
    zh, en = getattr(exc, "zh", None), getattr(exc, "en", None)
    detail = {"detail": str(exc)}
    if zh or en:
        detail.update({"zh": zh, "en": en})
    if getattr(exc, "code", None):
        detail["code"] = exc.code
    if getattr(exc, "field", None):
        detail["field"] = exc.field
    return detail


class ServiceError(HTTPException):
    def __init__(self, status: int, body: dict):
        super().__init__(status_code=status, detail=body)
        self.body = body


def run(request: Request, work: Callable[[Any], Any], *, writes: bool = False) -> Any:
    """Run ``work(session)`` in one transaction (writes queue on SQLite's write lock)."""
    from fugong.accounts.web import db_engine
    from fugong.store.db import session_scope, write_lock

    engine = db_engine(request.app)
    lock = write_lock(engine) if writes else contextlib.nullcontext()
    try:
        with lock, session_scope(engine) as session:
            return work(session)
    except Exception as exc:
        error = service_error(exc)
        if error is None:
            raise
        raise error from None


def service_error(exc: Exception) -> ServiceError | None:
    """The HTTP answer of a domain error (the table in the module docstring), or None for any other."""
    from fugong.workflow.machine import TransitionRefused
    from fugong.workflow.transitions import ConcurrentChange

    if isinstance(exc, OutOfScope):  # the same answer as for a thing that does not exist (docs/web.md, Errors)
        return ServiceError(404, {"detail": "not found / 未找到"})
    if isinstance(exc, AccessDenied):
        return ServiceError(403, {"detail": "access denied / 无权访问"})
    if isinstance(exc, TransitionRefused):
        return ServiceError(409, _detail(exc))
    if isinstance(exc, ConcurrentChange):
        return ServiceError(409, {"detail": "changed meanwhile: reload / 已被他人处理，请刷新", "code": "concurrent"})
    if isinstance(exc, LookupError):
        return ServiceError(404, {"detail": str(exc)})
    if isinstance(exc, ValueError):
        return ServiceError(422, _detail(exc))
    return None


def local_time(value: str | None) -> str:
    """An ISO time (UTC) as the wall clock of Asia/Shanghai, 'YYYY-MM-DD HH:MM' (DESIGN.md §2)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from fugong.config import TIMEZONE

    if not value:
        return "—"
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M")


def page(request: Request, principal: Principal | None, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    from fugong.web.pages import render, templates

    templates.env.filters.setdefault("local_time", local_time)
    return render(request, template, context, principal=principal, status_code=status_code)


def done(request: Request, payload: dict, location: str) -> JSONResponse | RedirectResponse:
    if wants_json(request):
        return JSONResponse(payload)
    return RedirectResponse(location, status_code=303)


def form_error_page(request: Request, principal: Principal | None, exc: ServiceError, back: str) -> HTMLResponse:
    """A form POST that failed: the reason on a page with a way back (phones have no dev console)."""
    return page(request, principal, "workflow/error.html", {"error": exc.body, "back": back, "status": exc.status_code},
                status_code=exc.status_code)


def post_result(request: Request, principal: Principal, work: Callable[[Any], dict], *, location: Callable[[dict], str],
                back: str):
    """A form or API POST: run ``work`` (writes), then JSON or a redirect; a failure is a JSON error or a page."""
    try:
        payload = run(request, work, writes=True)
    except ServiceError as exc:
        return failed(request, principal, exc, back)
    return done(request, payload, location(payload))


def failed(request: Request, principal: Principal, exc: ServiceError, back: str):
    """A POST's failure: the JSON error for an API client, a page with a way back for a form."""
    if wants_json(request):
        return JSONResponse(exc.body, status_code=exc.status_code)
    return form_error_page(request, principal, exc, back)
