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
from fugong.web.i18n import N_
from fugong.web.shell import register_page

SESSION_COOKIE = "fugong_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

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


async def access_denied_handler(request: Request, exc: AccessDenied) -> Response:
    """``AccessDenied`` from any service → 403 (``OutOfScope`` → 404), without the message (it may
    name what was asked for); a page for a browser, JSON for a program (fugong.web.errors)."""
    from fugong.web.errors import access_denied

    return await access_denied(request, exc)


# --- routes ---------------------------------------------------------------------------------------

from fugong.accounts.guard import SIGNED_IN, allow, public  # noqa: E402  (guard imports this module lazily)

router = APIRouter(tags=["accounts"])
register_page("/accounts/users", N_("Users"), roles=("province_admin",), order=90)


LOGIN_ERRORS = {
    "login.failed": N_("Wrong username or password, or the account is locked."),
    "login.too_many": N_("Too many attempts; please try again later."),
    "login.expired": N_("The page has expired; please sign in again."),
}


def _login_page(request: Request, *, next_path: str, error: str | None = None, status_code: int = 200,
                username: str = "") -> HTMLResponse:
    from fugong.web.pages import render

    csrf = csrf_token(request)
    response = render(request, "accounts/login.html", {
        "csrf_token": csrf, "next": next_path, "error": LOGIN_ERRORS.get(error) if error else None,
        "username": username, "csrf_field": CSRF_FIELD}, principal=None, status_code=status_code)
    if read_session(request) is None:
        write_session(request, response, key=None, csrf=csrf)
    return response


def login_response(request: Request, *, next_path: str = "/") -> HTMLResponse:
    """The sign-in page (also the anonymous home page)."""
    return _login_page(request, next_path=_safe_next(next_path))


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


# Who may manage users (fugong.accounts.guard): province admins, over users inside their region prefix.
ADMIN = allow("province_admin", scope="region")


def _users(request: Request, principal: Principal) -> dict:
    """The one service call behind /accounts/users and its JSON twin: the users inside the admin's prefix."""
    from fugong.store.db import session_scope

    with session_scope(db_engine(request.app)) as session:
        users = service.list_users(session, actor=principal)
        rows = [
            {"username": u.username, "role": u.role, "region_prefix": u.region_prefix,
             "enterprise_ids": u.enterprise_ids, "disabled": u.disabled,
             "locked": bool(u.locked_until and service._aware(u.locked_until) > service._now(None))}
            for u in users
        ]
    return {"count": len(rows), "users": rows, "roles": list(service.USER_ROLES),
            "scope": principal.region_prefix}


@router.get("/accounts/users.json")
def users_json(request: Request, principal: Principal = Depends(ADMIN)) -> dict:
    """The users an admin may manage: only those inside the admin's region prefix."""
    data = _users(request, principal)
    return {"count": data["count"], "users": data["users"]}


@router.get("/accounts/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(request: Request, done: str | None = None, principal: Principal = Depends(ADMIN)):
    """Manage users: create, disable or enable, reset a password, change the scope (each audited)."""
    from fugong.web.pages import render

    return render(request, "accounts/users.html", {"data": _users(request, principal), "done": done,
                                                   "secret": None}, principal=principal)


def _ids(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


def _user_change(request: Request, principal: Principal, change, *, done: str, show_password: str | None = None):
    """Run one audited account change; a browser gets the page again (the generated password shown
    once, on this answer only), a program gets JSON. Bad input: 400 with the reason."""
    from fugong.store.db import session_scope

    try:
        with session_scope(db_engine(request.app)) as session:
            change(session)
    except (service.AccountError, ValueError) as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    if not wants_html_form(request):
        return JSONResponse({"ok": True, "done": done, **({"password": show_password} if show_password else {})})
    if show_password:
        from fugong.web.pages import render

        return render(request, "accounts/users.html", {"data": _users(request, principal), "done": done,
                                                       "secret": show_password},
                      principal=principal, headers={"Cache-Control": "no-store"})
    return RedirectResponse(f"/accounts/users?done={done}", status_code=303)


def wants_html_form(request: Request) -> bool:
    """A browser's form post (answered with a page) rather than a program (answered with JSON)."""
    return "text/html" in request.headers.get("accept", "")


@router.post("/accounts/users", include_in_schema=False)
async def users_create(request: Request, principal: Principal = Depends(ADMIN)):
    """Create a user (form: username, role, region_prefix, enterprise_ids, password — empty: generated)."""
    form = await request.form()
    password = str(form.get("password") or "") or security.new_password()

    def change(session):
        service.add_user(session, actor=principal, username=str(form.get("username", "")).strip(),
                         role=str(form.get("role", "")), region_prefix=str(form.get("region_prefix", "")).strip(),
                         enterprise_ids=_ids(str(form.get("enterprise_ids", ""))), password=password)

    shown = password if not form.get("password") else None
    return await run_in_threadpool(_user_change, request, principal, change, done="created", show_password=shown)


@router.post("/accounts/users/{username}/disable", include_in_schema=False)
@router.post("/accounts/users/{username}/enable", include_in_schema=False)
async def users_disable_or_enable(request: Request, username: str, principal: Principal = Depends(ADMIN)):
    """Disable or re-enable a user (form: reason, optional); both are audited with the reason."""
    action = request.url.path.rsplit("/", 1)[1]
    form = await request.form()
    reason = str(form.get("reason") or "") or None
    change = service.disable_user if action == "disable" else service.enable_user
    return await run_in_threadpool(_user_change, request, principal, lambda s: change(
        s, actor=principal, username=username, reason=reason), done=f"{action}d")


@router.post("/accounts/users/{username}/password", include_in_schema=False)
async def users_password(request: Request, username: str, principal: Principal = Depends(ADMIN)):
    """Reset a password (form: password — empty: a generated one, shown once)."""
    form = await request.form()
    password = str(form.get("password") or "") or security.new_password()
    shown = password if not form.get("password") else None
    return await run_in_threadpool(_user_change, request, principal, lambda s: service.set_password(
        s, actor=principal, username=username, password=password), done="password", show_password=shown)


@router.post("/accounts/users/{username}/scope", include_in_schema=False)
async def users_scope(request: Request, username: str, principal: Principal = Depends(ADMIN)):
    """Change the region prefix and enterprises of a user."""
    form = await request.form()
    if "region_prefix" not in form:  # an empty prefix means the whole country: it must be said, not implied
        raise HTTPException(status_code=400, detail="region_prefix: required (empty: the whole country)")
    prefix = str(form.get("region_prefix", "")).strip()
    ids = _ids(str(form.get("enterprise_ids", "")))
    return await run_in_threadpool(_user_change, request, principal, lambda s: service.set_scope(
        s, actor=principal, username=username, region_prefix=prefix, enterprise_ids=ids), done="scope")


@router.post("/accounts/users/{username}/sessions/revoke")
def users_sign_out_everywhere(request: Request, username: str, principal: Principal = Depends(ADMIN)):
    """Sign a user out everywhere: every open session of the user ends (an admin over the user's region).
    A program gets ``{"username", "sessions_ended"}``; the users page's button gets the page again."""
    from fugong.store.db import session_scope

    try:
        with session_scope(db_engine(request.app)) as session:
            ended = service.end_all_sessions(session, actor=principal, username=username, reason="admin sign-out")
    except AccessDenied:
        raise HTTPException(status_code=404, detail="no such user / 无此用户") from None
    if wants_html_form(request):
        return RedirectResponse("/accounts/users?done=signed_out", status_code=303)
    return {"username": username, "sessions_ended": ended}


def install(app: FastAPI) -> None:
    """Wire accounts into an app: the login/logout/me/users routes and AccessDenied → 403 (OutOfScope → 404)."""
    app.include_router(router)
    app.add_exception_handler(AccessDenied, access_denied_handler)
