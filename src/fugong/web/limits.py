"""Security headers and request-size limits for every response and request of the app.

Headers (``SecurityHeaders``), on every answer:

- ``Content-Security-Policy``: scripts only from this site (no inline script, no eval), styles from
  this site (inline ``style=""`` attributes allowed), images also as data:/blob: (QR codes, charts),
  no plugins, no framing (``frame-ancestors 'none'``), forms post only here. The API description page
  (/api/docs, FastAPI's Swagger UI) needs its inline start-up script and CDN files: it gets its own,
  looser policy and serves no data.
- ``X-Frame-Options: DENY`` (older browsers), ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: same-origin``, ``Permissions-Policy`` (camera for the gate page only from here;
  no microphone, no geolocation);
- ``Strict-Transport-Security`` when the request came over HTTPS (directly, or from a trusted proxy:
  see docs/accounts.md on ``FORWARDED_ALLOW_IPS``), never over plain HTTP.

Limits (``BodyLimit``): a request body larger than ``max_bytes`` (``FUGONG_MAX_BODY_BYTES``, 1 MiB) is
refused with 413 before the route reads it; an upload route may allow more with
``allow_upload(path, bytes)`` and reads its body with ``read_body(request, limit=...)``.
"""

from __future__ import annotations

import re

from fastapi import HTTPException, Request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
API_DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
                "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
                "object-src 'none'; base-uri 'self'; frame-ancestors 'none'")
HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(self), microphone=(), geolocation=()"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")

UPLOAD_LIMITS: dict[str, int] = {}
UPLOAD_PATTERNS: list[tuple[re.Pattern, int]] = []  # routes with path parameters: "/enterprises/{id}/roster"


def allow_upload(path: str, limit: int) -> None:
    """Let the route at ``path`` receive bodies up to ``limit`` bytes: an exact path, or a route's path
    template whose ``{parameters}`` match one path segment each."""
    if "{" not in path:
        UPLOAD_LIMITS[path] = limit
        return
    pattern = re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$")
    UPLOAD_PATTERNS[:] = [(p, n) for p, n in UPLOAD_PATTERNS if p.pattern != pattern.pattern] + [(pattern, limit)]


def upload_limit(path: str, default: int) -> int:
    """The body limit of the route at ``path``."""
    if path in UPLOAD_LIMITS:
        return UPLOAD_LIMITS[path]
    for pattern, limit in UPLOAD_PATTERNS:
        if pattern.match(path):
            return limit
    return default


class SecurityHeaders:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        policy = (API_DOCS_CSP if scope.get("path") == "/api/docs" else CSP).encode()
        https = scope.get("scheme") == "https"

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in (b"content-security-policy", b"x-frame-options")]
                headers += [(b"content-security-policy", policy), *HEADERS]
                if https:
                    headers.append(HSTS)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = upload_limit(scope.get("path", ""), self.max_bytes)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > limit:
                    return await _too_large(scope, receive, send, limit)
        received = 0
        started = False

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(scope, receive, send, limit)


def too_large(limit: int):
    """The 413 detail: English for programs, translated on a person's error page (fugong.web.errors)."""
    from fugong.web.errors import Problem
    from fugong.web.i18n import N_

    return Problem(N_("request body larger than %(limit)s bytes"), limit=f"{limit:,}")


async def _too_large(scope, receive, send, limit: int) -> None:
    import json

    from fugong.web.errors import error_response, wants_html

    request = Request(scope)
    if wants_html(request):  # a person's form post: the error page in their language, with a way back
        try:
            response = error_response(request, 413, too_large(limit))
        except Exception:  # noqa: BLE001 - the plain answer below still says what happened
            response = None
        if response is not None:
            return await response(scope, receive, send)
    body = json.dumps({"detail": f"request body larger than {limit:,} bytes / 请求内容过大"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def read_body(request: Request, *, limit: int) -> bytes:
    """The request body, refused with 413 once it passes ``limit`` bytes (nothing more is read)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(status_code=413, detail=too_large(limit))
        chunks.append(chunk)
    return b"".join(chunks)
