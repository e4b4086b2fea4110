"""Errors as pages for people and as JSON for programs; never a stack trace.

- A browser (``Accept: text/html``, not a ``.json``/``/api/`` address) gets an HTML page in its
  language with the shell and a way back (its start page, the page it came from).
- Everything else gets ``{"detail": …}`` JSON with the same status (FastAPI's shape).
- 404 for what does not exist *and* for what lies outside the caller's region or enterprises
  (``fugong.access.OutOfScope``), so that scope does not reveal existence; 403 for an action the
  caller's role may not take (``AccessDenied``); 400/422 for bad input; 500 for a fault, logged
  server-side with its traceback, shown to nobody.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from fugong.access import AccessDenied, OutOfScope
from fugong.web.i18n import N_

log = logging.getLogger("fugong.web")

TITLES = {
    400: N_("This request cannot be answered"),
    401: N_("Please sign in"),
    403: N_("Not allowed for your role"),
    404: N_("Not found"),
    405: N_("This request cannot be answered"),
    409: N_("Please try again"),
    413: N_("This request cannot be answered"),
    422: N_("Some fields need correcting"),
    429: N_("Too many requests"),
    500: N_("Something went wrong on our side"),
}
EXPLANATIONS = {
    400: N_("The address or the form has a value the server cannot use."),
    401: N_("This page needs you to sign in."),
    403: N_("Your account may see this, but your role may not take this action. Ask an administrator "
            "if you need it."),
    404: N_("There is nothing at this address, or it lies outside the regions and enterprises your "
            "account may see."),
    405: N_("The address or the form has a value the server cannot use."),
    409: N_("Someone else changed the same thing at the same moment."),
    413: N_("The address or the form has a value the server cannot use."),
    422: N_("The address or the form has a value the server cannot use."),
    429: N_("Wait a moment and try again."),
    500: N_("The fault has been logged. Please try again in a moment; if it persists, tell the operators "
            "the time it happened."),
}
DETAIL = {403: "access denied / 无权访问", 404: "not found / 未找到"}
SHOWN_DETAIL = (400, 409, 413, 422)


class Problem(str):
    """An error detail people read: the English text for programs (the JSON ``detail``), the catalogue's
    translation on the error page::

        raise HTTPException(400, detail=Problem(N_("date %(value)s is not YYYY-MM-DD"), value=shown(text)))
    """

    message: str
    values: dict

    def __new__(cls, message: str, **values):
        text = super().__new__(cls, message % values if values else message)
        text.message, text.values = message, values
        return text

    def translated(self, tr) -> str:
        return tr(self.message, **self.values)


def wants_html(request: Request) -> bool:
    """A person's browser rather than a program: asks for HTML, and not at an API or data address."""
    path = request.url.path
    if path.startswith("/api/") or path.endswith((".json", ".csv", ".xlsx", ".svg")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _back(request: Request) -> str | None:
    """The page the visitor came from, when it is on this site (never an outside address)."""
    referer = request.headers.get("referer", "")
    base = str(request.base_url)
    if referer.startswith(base) and referer.rstrip("/") != str(request.url).rstrip("/"):
        return "/" + referer[len(base):]
    return None


def error_response(request: Request, status: int, detail, headers: dict | None = None) -> Response:
    if wants_html(request):
        from fugong.web.pages import render

        status_key = status if status in TITLES else (500 if status >= 500 else 400)
        # Bad input names the field and the reason (the person must correct it); a refusal or a
        # fault says nothing more than its title (the detail may name what exists elsewhere).
        problems = detail if isinstance(detail, list) else (
            [detail] if isinstance(detail, str) and status in SHOWN_DETAIL else [])
        if isinstance(detail, dict) and status in SHOWN_DETAIL:  # a workflow refusal: {"zh", "en", "detail"}
            from fugong.web.pages import language

            reason = detail.get(language(request)) or detail.get("detail")
            problems = [reason] if isinstance(reason, str) else []
        if any(isinstance(p, Problem) for p in problems):
            from fugong.web.i18n import translator
            from fugong.web.pages import language

            tr = translator(language(request))
            problems = [p.translated(tr) if isinstance(p, Problem) else p for p in problems]
        return render(request, "error.html", {
            "status": status, "title": TITLES[status_key], "explanation": EXPLANATIONS[status_key],
            "back": _back(request), "problems": problems,
        }, status_code=status, headers=headers)
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


async def http_exception(request: Request, exc: StarletteHTTPException) -> Response:
    headers = getattr(exc, "headers", None)
    if exc.status_code < 400:  # a redirect raised as an exception (sign-in required)
        return Response(status_code=exc.status_code, headers=headers)
    return error_response(request, exc.status_code, exc.detail, headers)


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = exc.errors()
    if wants_html(request):
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('body', 'query'))}: {e.get('msg')}"
                    for e in errors]
        return error_response(request, 400, problems)
    from fastapi.encoders import jsonable_encoder

    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


async def access_denied(request: Request, exc: AccessDenied) -> Response:
    """A service refused: 404 when the thing lies outside the caller's scope, else 403. The message
    (which may name what was asked for) is not shown."""
    status = 404 if isinstance(exc, OutOfScope) else 403
    return error_response(request, status, DETAIL[status])


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error at %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "internal error / 服务器内部错误")


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, http_exception)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(AccessDenied, access_denied)
    app.add_exception_handler(Exception, server_error)
