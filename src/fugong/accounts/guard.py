"""Who may call a route, declared on the route itself — the access matrix lives in the product code.

Every route of the app carries exactly one declaration: the roles that may call it and how their
scope applies. It is a FastAPI dependency (so it is enforced where it is declared) that the
access-matrix test reads back from the app's routes (``declaration_of(route)``); a route without one
fails the suite (tests/web/test_access_matrix.py)::

    from fastapi import Depends
    from fugong.accounts.guard import STAFF, allow, public

    @router.get("/risk/map.json")
    def risk_map(principal: Principal = Depends(allow(*SIGNED_IN, scope="region"))): ...

    @router.get("/code/enterprise/{enterprise_id}/today")
    def day(enterprise_id: str,
            principal: Principal = Depends(allow("enterprise", "service_officer", *STAFF, scope="enterprise"))): ...

    @router.get("/healthz", dependencies=[Depends(public("liveness for monitors; no data"))])
    def healthz(): ...

Scopes (what the matrix test checks for the roles that are allowed):

==============  ==========================================================================================
``public``      anyone, signed in or not; shows no regional or personal data
``own``         the caller's own record only (their health code, their account); nothing of anyone else
``region``      data inside the caller's GB/T 2260 region prefix; another region's record is refused
                (403/404) and never appears in a list, count, export or map
``enterprise``  the caller's own enterprise(s) (enterprise users, service officers, gate staff) or, for
                staff, enterprises of their region; another enterprise's record is refused
==============  ==========================================================================================

Roles that are not named are refused with 403 before the route does anything; an anonymous caller
gets 401 (a redirect to /login for a page). The scope is a promise the services keep (they filter
with ``fugong.access.Principal``); the declaration states it so that the test can hold them to it.

A route that must not pay for FastAPI's dependency solver (the gate scan) checks the same object
itself and carries it with ``@declared(access)``::

    SCAN = allow("gate_staff", "enterprise", scope="enterprise")

    @router.post("/api/code/scan")
    @declared(SCAN)
    async def scan(request: Request):
        principal = await SCAN.check(request)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import HTTPException, Request

from fugong.access import ROLES, Principal

Scope = Literal["public", "own", "region", "enterprise"]
SCOPES: tuple[str, ...] = Scope.__args__  # type: ignore[attr-defined]

USER_ROLES: tuple[str, ...] = tuple(role for role in ROLES if role != "system")
SIGNED_IN = USER_ROLES  # every signed-in user, whatever the role
STAFF = ("province_admin", "officer")  # command-centre staff of a region
ATTRIBUTE = "__fugong_access__"


@dataclass(frozen=True)
class Access:
    """A route's access declaration: who (roles) and how scope applies."""

    roles: frozenset[str]
    scope: Scope
    note: str = ""

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"scope {self.scope!r} is not one of {', '.join(SCOPES)}")
        unknown = self.roles - set(USER_ROLES)
        if unknown:
            raise ValueError(f"unknown role(s) {sorted(unknown)}; roles are {', '.join(USER_ROLES)}")
        if self.scope == "public" and self.roles:
            raise ValueError("a public route names no roles")
        if self.scope != "public" and not self.roles:
            raise ValueError("name the roles that may call the route (SIGNED_IN for every user)")
        if self.scope == "public" and len(self.note.strip()) < 10:
            raise ValueError("a public route says why it may be public (note)")

    def allows(self, role: str | None) -> bool:
        return self.scope == "public" or role in self.roles


class Allow:
    """The dependency ``allow(...)`` returns: the caller as a Principal, or 401/403."""

    def __init__(self, access: Access) -> None:
        self.access = access
        setattr(self, ATTRIBUTE, access)

    async def check(self, request: Request) -> Principal:
        from fugong.accounts.web import current_principal

        principal = await current_principal(request)
        if principal.role not in self.access.roles:
            raise HTTPException(status_code=403, detail="access denied / 无权访问")
        return principal

    async def __call__(self, request: Request) -> Principal:
        return await self.check(request)

    def __repr__(self) -> str:
        return f"allow({', '.join(sorted(self.access.roles))}, scope={self.access.scope!r})"


class Public:
    """The dependency ``public(...)`` returns: nothing to check; says why the route is public."""

    def __init__(self, access: Access) -> None:
        self.access = access
        setattr(self, ATTRIBUTE, access)

    async def check(self, request: Request) -> None:
        return None

    async def __call__(self, request: Request) -> None:
        return None

    def __repr__(self) -> str:
        return f"public({self.access.note!r})"


def allow(*roles: str, scope: Scope, note: str = "") -> Allow:
    """Only these roles, with this scope: ``Depends(allow("officer", "province_admin", scope="region"))``."""
    return Allow(Access(frozenset(roles), scope, note))


def public(note: str) -> Public:
    """Anyone, signed in or not; ``note`` says why that is safe: ``Depends(public("the login form"))``."""
    return Public(Access(frozenset(), "public", note))


def declared(guard: Allow | Public):
    """Decorator for an endpoint (or an ASGI app) that checks ``guard`` itself instead of by Depends."""

    def mark(endpoint):
        setattr(endpoint, ATTRIBUTE, guard.access)
        return endpoint

    return mark


def declaration_of(route) -> Access | None:
    """The access declaration a route carries: on its endpoint (``@declared``), in its dependency tree
    (``Depends(allow(...))`` / ``Depends(public(...))``), or on a mounted app. None if it has none.
    Two different declarations on one route are an error (which one would hold?)."""
    found: set[Access] = set()
    for holder in (getattr(route, "endpoint", None), getattr(route, "app", None)):
        access = getattr(holder, ATTRIBUTE, None)
        if isinstance(access, Access):
            found.add(access)
    stack = [getattr(route, "dependant", None)]
    while stack:
        dependant = stack.pop()
        if dependant is None:
            continue
        access = getattr(dependant.call, ATTRIBUTE, None)
        if isinstance(access, Access):
            found.add(access)
        stack.extend(dependant.dependencies)
    if len(found) > 1:
        raise ValueError(f"route {getattr(route, 'path', route)!r} has several access declarations: {found}")
    return next(iter(found), None)
