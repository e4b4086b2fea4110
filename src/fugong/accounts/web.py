"""Web side of accounts: who is calling (session cookie or bearer token), CSRF, login and logout.

Dependencies every router uses::

    from fugong.accounts.web import current_principal, require_role, csrf_token

    @router.get("/risk/map.json")
    async def risk_map(principal: Principal = Depends(current_principal)): ...

    @router.post("/risk/publish", dependencies=[Depends(require_role("province_admin", "officer"))])

- ``current_principal``: the caller as a ``fugong.access.Principal``. Without valid credentials an
  HTML page request (GET with ``Accept: text/html``) is redirected to ``/login?next=…``; anything else
  gets 401 JSON. For cookie-authenticated POST/PUT/PATCH/DELETE it also checks the CSRF token
  (hidden form field ``csrf_token`` or header ``X-CSRF-Token``), so a protected form route needs
  nothing more. Bearer-token calls (``Authorization: Bearer fgt_…``) are exempt from CSRF: a browser
  never adds that header to a cross-site request.
- ``require_role(*roles)``: the principal, or 403.
- ``csrf_token(request)``: the session's CSRF token, for ``<input type="hidden" name="csrf_token">``.
- ``verify_csrf``: the CSRF check alone, for a form route that has no logged-in user (the login form).

The session cookie ``fugong_session`` is signed with itsdangerous (``URLSafeTimedSerializer`` under a
key derived from the app secret for this purpose, ``settings.derive_key("session cookies")``). It
holds the key of a server-side session (``accounts.models.UserSession``; None before sign-in) and the
CSRF token, with the time it was signed: HttpOnly, SameSite=Lax, Secure when the request is HTTPS.
Signing out revokes the server-side session, so a copied cookie stops working too.
Behind a TLS-terminating proxy, uvicorn's proxy-headers support turns ``X-Forwarded-Proto: https``
into an https request when the proxy's address is trusted (``--forwarded-allow-ips`` /
``FORWARDED_ALLOW_IPS``, default 127.0.0.1), so the cookie is Secure there too.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from fugong.access import ROLES, AccessDenied, Principal
from fugong.accounts import security, service

SESSION_COOKIE = "fugong_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

MESSAGES: dict[str, dict[str, str]] = {
    "login.title": {"zh": "登录", "en": "Sign in"},
    "login.username": {"zh": "用户名", "en": "Username"},
    "login.password": {"zh": "密码", "en": "Password"},
    "login.submit": {"zh": "登录", "en": "Sign in"},
    "login.failed": {"zh": "用户名或密码错误，或账号已被锁定。", "en": "Wrong username or password, or the account is locked."},
    "login.too_many": {"zh": "尝试次数过多，请稍后再试。", "en": "Too many attempts; please try again later."},
    "login.hint": {"zh": "连续多次输错密码，账号将被暂时锁定。", "en": "After several wrong passwords in a row the account is locked for a while."},
    "login.expired": {"zh": "页面已过期，请重新登录。", "en": "The page has expired; please sign in again."},
    "logout.submit": {"zh": "退出登录", "en": "Sign out"},
    "access.denied": {"zh": "无权访问", "en": "Access denied"},
}


@dataclass(frozen=True)
class WebPolicy:
    """Session, lock-out and rate-limit settings. Override per app: ``app.state.accounts_policy = WebPolicy(...)``."""

    login: service.LoginPolicy = field(default_factory=service.LoginPolicy)
    session_seconds: int = 12 * 3600  # a working day; the cookie and the signed value both expire
    attempts_per_ip: int = 30  # login attempts per client address per window
    attempts_per_username: int = 10  # login attempts per username per window
    window_seconds: float = 300.0
    tokens_per_user: int = 20  # health-code tokens a person may fetch per token window
    token_window_seconds: float = 60.0
    # How long a worker trusts "this cookie / token is user U with role R" before reading the user again.
    # Disabling a user, changing a password or revoking a token takes effect at once in the process
    # that made the change and within this time everywhere else (other workers, the CLI).
    principal_cache_seconds: float = 5.0


_state_lock = threading.Lock()


def policy(app: FastAPI) -> WebPolicy:
    return getattr(app.state, "accounts_policy", None) or WebPolicy()


def db_engine(app: FastAPI) -> Engine:
    """The app's SQLAlchemy engine (created once from the app's settings, kept on ``app.state.db_engine``)."""
    engine = getattr(app.state, "db_engine", None)
    if engine is None:
        with _state_lock:
            engine = getattr(app.state, "db_engine", None)
            if engine is None:
                from fugong.store.db import connect

                engine = app.state.db_engine = connect(app.state.settings.resolved_database_url)
    return engine


def _serializer(app: FastAPI):
    """The session cookie's signer: itsdangerous, under a key derived for this purpose only."""
    serializer = getattr(app.state, "accounts_serializer", None)
    if serializer is None:
        from itsdangerous import URLSafeTimedSerializer

        from fugong.config import get_settings

        settings = getattr(app.state, "settings", None) or get_settings()
        serializer = app.state.accounts_serializer = URLSafeTimedSerializer(
            settings.derive_key("session cookies"), salt="fugong.session")
    return serializer


def rate_limited(request: Request, *, key: str, limit: int, window_seconds: float) -> int:
    """Count one request under ``key`` in the database (shared by every worker process); the seconds
    to wait (for Retry-After) when over ``limit``, else 0."""
    from fugong.store.db import session_scope

    with session_scope(db_engine(request.app)) as session:
        return service.hit_rate_limit(session, key=key, limit=limit, window_seconds=int(window_seconds))


def too_many(retry_after: int) -> HTTPException:
    return HTTPException(status_code=429, detail="too many requests / 请求过于频繁",
                         headers={"Retry-After": str(retry_after)})


# --- the session cookie ---------------------------------------------------------------------------

def read_session(request: Request) -> dict | None:
    """The signed session value ``{"s": session key | None, "c": csrf}``, if valid and fresh."""
    from itsdangerous import BadData

    raw = request.cookies.get(SESSION_COOKIE)
    if not raw or len(raw) > 4096:
        return None
    try:
        data = _serializer(request.app).loads(raw, max_age=policy(request.app).session_seconds)
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        return None
    if data.get("s") is not None and not isinstance(data["s"], str):
        return None
    return data


def write_session(request: Request, response: Response, *, key: str | None, csrf: str) -> None:
    value = _serializer(request.app).dumps({"s": key, "c": csrf})
    response.set_cookie(
        SESSION_COOKIE, value, max_age=policy(request.app).session_seconds, path="/",
        httponly=True, samesite="lax", secure=request.url.scheme == "https",
    )


def clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")


# --- CSRF -----------------------------------------------------------------------------------------

def csrf_token(request: Request) -> str:
    """The CSRF token to put in a form. For a visitor without a session a new one is made; the route
    must then set the session cookie (the login page does)."""
    data = read_session(request)
    if data is not None:
        return data["c"]
    token = getattr(request.state, "new_csrf", None)
    if token is None:
        token = request.state.new_csrf = security.new_csrf_token()
    return token


async def _submitted_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def _check_csrf(request: Request, session: dict | None) -> None:
    if request.method not in UNSAFE_METHODS:
        return
    expected = session.get("c") if session else None
    if not security.same_secret(expected, await _submitted_csrf(request)):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong / CSRF 校验失败")


async def verify_csrf(request: Request) -> None:
    """FastAPI dependency: refuse an unsafe cookie-authenticated request without the session's CSRF token.
    Bearer-token requests are exempt."""
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    await _check_csrf(request, read_session(request))


# --- who is calling -------------------------------------------------------------------------------

def wants_html(request: Request) -> bool:
    return request.method in ("GET", "HEAD") and "text/html" in request.headers.get("accept", "")


def _safe_next(target: str | None) -> str:
    """Only a local path may follow login (no open redirect to //evil.example or https://…)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _unauthenticated(request: Request) -> HTTPException:
    if wants_html(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return HTTPException(status_code=303, detail="login required",
                             headers={"Location": "/login?next=" + quote(target, safe="")})
    return HTTPException(status_code=401, detail="authentication required / 请先登录",
                         headers={"WWW-Authenticate": "Bearer"})


class PrincipalCache:
    """Credential -> principal (or None for a refused one), kept ``seconds`` and dropped when the
    accounts generation changes; bounded, thread-safe. Keys: ("token", sha256 of the token) or
    ("session", username, issued-at). Without it every request reads its user from the database."""

    MAX_ENTRIES = 10_000

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[tuple, tuple[float, int, Principal | None]] = {}
        self._readers: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bool, Principal | None]:
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        expires, generation, principal = entry
        if time.monotonic() >= expires or generation != service.credentials_generation():
            return False, None
        return True, principal

    def put(self, key: tuple, principal: Principal | None, generation: int) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()  # rare (10,000 live credentials in a few seconds); simplest bound
                self._readers.clear()
            self._entries[key] = (time.monotonic() + self.seconds, generation, principal)

    def reading(self, key: tuple) -> threading.Lock:
        """The lock that lets one thread at a time read the user behind ``key``."""
        with self._lock:
            return self._readers.setdefault(key, threading.Lock())


def _principal_cache(app: FastAPI) -> PrincipalCache:
    cache = getattr(app.state, "accounts_principal_cache", None)
    if cache is None:
        with _state_lock:
            cache = getattr(app.state, "accounts_principal_cache", None)
            if cache is None:
                cache = app.state.accounts_principal_cache = PrincipalCache(policy(app).principal_cache_seconds)
    return cache


def _cached_principal(app: FastAPI, key: tuple, read) -> Principal | None:
    """The principal for ``key`` from the cache, else from ``read(session)`` (a User or None)."""
    from fugong.store.db import session_scope

    cache = _principal_cache(app)
    # One read per credential at a time: when an entry expires under load, the other requests with
    # the same credential wait for that read instead of all reading the user at once.
    with cache.reading(key):
        hit, principal = cache.get(key)
        if hit:
            return principal
        generation = service.credentials_generation()  # taken before the read: a change during it wins
        with session_scope(db_engine(app)) as session:
            user = read(session)
            principal = service.principal_for(user) if user else None
        cache.put(key, principal, generation)
    return principal


def _principal_from_token(app: FastAPI, token: str) -> Principal | None:
    return _cached_principal(app, ("token", security.hash_api_token(token)),
                             lambda session: service.user_for_token(session, token=token))


def _session_cache_key(key: str) -> tuple:
    return ("session", security.hash_api_token(key))


def _principal_from_session(app: FastAPI, key: str) -> Principal | None:
    return _cached_principal(app, _session_cache_key(key), lambda session: service.session_user(session, key=key))


def _cached_only(app: FastAPI, key: tuple) -> tuple[bool, Principal | None]:
    return _principal_cache(app).get(key)


def optional_principal(request: Request) -> Principal | None:
    """The signed-in principal from the session cookie, or None (pages that also serve visitors)."""
    session = read_session(request)
    if not session or not session.get("s"):
        return None
    return _principal_from_session(request.app, session["s"])


async def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the calling user as a Principal (401 JSON, or a redirect to /login for pages)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthenticated(request)
        token = token.strip()
        hit, principal = _cached_only(request.app, ("token", security.hash_api_token(token)))
        if not hit:  # the database read runs in the thread pool; a cache hit needs no thread
            principal = await run_in_threadpool(_principal_from_token, request.app, token)
        if principal is None:
            raise HTTPException(status_code=401, detail="invalid or revoked token / 令牌无效或已撤销",
                                headers={"WWW-Authenticate": "Bearer"})
    else:
        session = read_session(request)
        if session is None or not session.get("s"):
            raise _unauthenticated(request)
        hit, principal = _cached_only(request.app, _session_cache_key(session["s"]))
        if not hit:
            principal = await run_in_threadpool(_principal_from_session, request.app, session["s"])
        if principal is None:
            raise _unauthenticated(request)
        await _check_csrf(request, session)
    request.state.principal = principal
    return principal


def require_role(*roles: str):
    """Dependency factory: ``Depends(require_role("province_admin", "officer"))`` gives the principal or 403."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"require_role needs known roles, got {sorted(unknown) or 'none'}")

    async def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.role not in roles:
            raise HTTPException(status_code=403, detail="access denied / 无权访问")
        return principal

    return dependency


async def access_denied_handler(request: Request, exc: AccessDenied) -> JSONResponse:
    """``AccessDenied`` from any service → 403, without the message (it may name what was asked for)."""
    return JSONResponse({"detail": "access denied / 无权访问"}, status_code=403)


# --- routes ---------------------------------------------------------------------------------------

from fugong.accounts.guard import SIGNED_IN, allow, public  # noqa: E402  (guard imports this module lazily)

router = APIRouter(tags=["accounts"])


def _t(lang: str):
    from fugong.web.i18n import t

    def translate(key: str) -> str:
        entry = MESSAGES.get(key)
        return (entry.get(lang) or entry["zh"]) if entry else t(key, lang)

    return translate


def _login_page(request: Request, *, next_path: str, error: str | None = None, status_code: int = 200,
                username: str = "") -> HTMLResponse:
    from fugong.web.app import language, templates

    settings = request.app.state.settings
    lang = language(request, settings)
    csrf = csrf_token(request)
    response = templates.TemplateResponse(
        request, "accounts/login.html",
        {"lang": lang, "t": _t(lang), "csrf_token": csrf, "next": next_path, "error": error, "username": username,
         "csrf_field": CSRF_FIELD},
        status_code=status_code,
    )
    if read_session(request) is None:
        write_session(request, response, key=None, csrf=csrf)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie("lang", lang, samesite="lax", httponly=True)
    return response


LOGIN_FORM = public("the sign-in form and its check: the same answer for every failure, rate-limited")


@router.get("/login", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(LOGIN_FORM)])
def login_page(request: Request, next: str = "/"):
    return _login_page(request, next_path=_safe_next(next))


@router.post("/login", include_in_schema=False, dependencies=[Depends(LOGIN_FORM)])
async def login(
    request: Request,
    username: str = Form(..., max_length=64),
    password: str = Form(..., max_length=1024),
    next: str = Form("/"),
):
    next_path = _safe_next(next)
    try:
        await verify_csrf(request)
    except HTTPException:
        # Usually a login page left open past the session lifetime: show the form again with a valid
        # token (the session's, or a new one with a new cookie).
        return _login_page(request, next_path=next_path, error="login.expired", status_code=403, username=username)
    rules = policy(request.app)
    client = request.client.host if request.client else "unknown"
    key = username.strip().lower()

    def limited() -> int:
        # Counted in the database, so every worker process shares the window.
        from fugong.store.db import session_scope

        with session_scope(db_engine(request.app)) as session:
            return max(service.hit_rate_limit(session, key=f"login-ip:{client}", limit=rules.attempts_per_ip,
                                              window_seconds=int(rules.window_seconds)),
                       service.hit_rate_limit(session, key=f"login-user:{key}", limit=rules.attempts_per_username,
                                              window_seconds=int(rules.window_seconds)))

    retry = await run_in_threadpool(limited)
    if retry:
        response = _login_page(request, next_path=next_path, error="login.too_many", status_code=429, username=username)
        response.headers["Retry-After"] = str(retry)
        return response

    def check() -> str | None:
        import datetime as dt

        from fugong.store.db import session_scope

        with session_scope(db_engine(request.app)) as session:
            outcome = service.authenticate(session, username=username.strip(), password=password, policy=rules.login)
            if not outcome.ok:
                return None
            service.reset_rate_limit(session, key=f"login-user:{key}")
            return service.start_session(session, user=outcome.user,
                                         lifetime=dt.timedelta(seconds=rules.session_seconds))

    session_key = await run_in_threadpool(check)
    if session_key is None:
        return _login_page(request, next_path=next_path, error="login.failed", status_code=401, username=username)
    response = RedirectResponse(next_path, status_code=303)
    # A fresh CSRF token at login: a token planted before login (session fixation) is worthless after.
    write_session(request, response, key=session_key, csrf=security.new_csrf_token())
    return response


@router.post("/logout", include_in_schema=False, dependencies=[
    Depends(public("ends the caller's own session, if any (CSRF-protected)")), Depends(verify_csrf)])
def logout(request: Request):
    """Sign out: the server-side session ends (a copied cookie stops working too), the cookie goes."""
    from fugong.store.db import session_scope

    data = read_session(request)
    if data and data.get("s"):
        with session_scope(db_engine(request.app)) as session:
            service.end_session(session, key=data["s"])
    response = RedirectResponse("/login", status_code=303)
    clear_session(request, response)
    return response


@router.get("/me.json")
async def me(principal: Principal = Depends(allow(*SIGNED_IN, scope="own"))) -> dict:
    """Who am I: the caller's role, region prefix and enterprises (never anyone else's)."""
    return {
        "user_id": principal.user_id,
        "role": principal.role,
        "region_prefix": principal.region_prefix,
        "enterprise_ids": sorted(principal.enterprise_ids),
    }


@router.get("/accounts/users.json")
def users_json(request: Request, principal: Principal = Depends(allow("province_admin", scope="region"))) -> dict:
    """The users an admin may manage: only those inside the admin's region prefix."""
    from fugong.store.db import session_scope

    with session_scope(db_engine(request.app)) as session:
        users = service.list_users(session, actor=principal)
        rows = [
            {"username": u.username, "role": u.role, "region_prefix": u.region_prefix,
             "enterprise_ids": u.enterprise_ids, "disabled": u.disabled}
            for u in users
        ]
    return {"count": len(rows), "users": rows}


@router.post("/accounts/users/{username}/sessions/revoke")
def users_sign_out_everywhere(request: Request, username: str,
                              principal: Principal = Depends(allow("province_admin", scope="region"))) -> dict:
    """Sign a user out everywhere: every open session of the user ends (an admin over the user's region)."""
    from fugong.store.db import session_scope

    try:
        with session_scope(db_engine(request.app)) as session:
            ended = service.end_all_sessions(session, actor=principal, username=username, reason="admin sign-out")
    except AccessDenied:
        raise HTTPException(status_code=404, detail="no such user / 无此用户") from None
    return {"username": username, "sessions_ended": ended}


def install(app: FastAPI) -> None:
    """Wire accounts into an app: the login/logout/me routes and AccessDenied → 403."""
    app.include_router(router)
    app.add_exception_handler(AccessDenied, access_denied_handler)
