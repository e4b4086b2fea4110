"""The route-scoping registry: every route of the app is either exempt (with a reason) or has
refusal cases showing that another region's or enterprise's data is refused and never leaks.

A domain declares its cases in ``tests/<domain>/scoping_cases.py`` (found automatically by
tests/web/test_route_scoping.py; the file is not a test module itself)::

    from tests.web.scoping import World, exempt, refusal_case

    exempt("POST", "/api/code/scan", "gate verification accepts a code from anywhere; answers pass/deny and a reason only")

    @refusal_case("GET", "/risk/map.json")
    def another_citys_counties_are_not_on_the_map(world: World):
        hz = world.headers("officer", "3301")
        ...seed counties of 3301 and 3302 through your services on world.engine...
        body = world.client.get("/risk/map.json", headers=hz)
        world.assert_not_leaked(body, "330201")          # Ningbo's county code is nowhere in the answer
        world.assert_refused(world.client.get("/risk/map.json?region=3302", headers=hz))

Who may call each route is declared on the route (fugong.accounts.guard) and walked by
tests/web/test_access_matrix.py. Refusal cases add requests with real bodies and data: every route
that changes state within a region or enterprise scope needs one, and a case naming a route that no
longer exists fails.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from fugong.access import SYSTEM
from fugong.accounts import service
from fugong.store.db import session_scope


@dataclass(frozen=True)
class Exemption:
    method: str  # "GET", "POST", … or "*" for a mount (static files)
    path: str  # the route's path template exactly as in app.routes, e.g. "/code/enterprise/{enterprise_id}/today"
    reason: str
    public: bool = False  # True: no login at all (health, static, login page); False: still needs a login


@dataclass(frozen=True)
class RefusalCase:
    method: str
    path: str
    name: str
    check: Callable[[World], None] = field(compare=False)


EXEMPTIONS: dict[tuple[str, str], Exemption] = {}
CASES: dict[tuple[str, str, str], RefusalCase] = {}


def exempt(method: str, path: str, reason: str, *, public: bool = False) -> None:
    """Old style, kept so that older scoping files still import: who may call a route is now declared
    on the route (``fugong.accounts.guard``); an exemption marked public must agree with it."""
    if len(reason.strip()) < 10:
        raise ValueError(f"exemption of {method} {path} needs a real reason")
    EXEMPTIONS[(method.upper(), path)] = Exemption(method.upper(), path, reason, public)


def refusal_case(method: str, path: str):
    """Decorator: ``check(world)`` shows that this route refuses or hides another region's / enterprise's data."""

    def register(check: Callable[[World], None]) -> Callable[[World], None]:
        case = RefusalCase(method.upper(), path, f"{check.__module__.rsplit('.', 2)[-2]}.{check.__name__}", check)
        CASES[(case.method, case.path, case.name)] = case
        return check

    return register


class World:
    """What a refusal case gets: the app's TestClient, its database engine, and users on demand."""

    def __init__(self, *, app, client, engine):
        self.app, self.client, self.engine = app, client, engine
        self._numbers = itertools.count(1)

    def session(self):
        """A transaction on the app's database (commit on exit), for seeding data through services."""
        return session_scope(self.engine)

    def headers(self, role: str, region_prefix: str = "", enterprise_ids=(), username: str | None = None) -> dict:
        """A new user with this role and scope, and the bearer-token header that authenticates as them."""
        username = username or f"{role}-{region_prefix or 'all'}-{next(self._numbers)}"
        with self.session() as session:
            service.add_user(session, actor=SYSTEM, username=username, role=role, region_prefix=region_prefix,
                             enterprise_ids=list(enterprise_ids))
            token = service.create_api_token(session, actor=SYSTEM, username=username, name="scoping test").token
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    @staticmethod
    def assert_refused(response) -> None:
        """403 (not allowed) or 404 (hidden): either way, nothing of the other region's data."""
        assert response.status_code in (403, 404), f"expected 403/404, got {response.status_code}: {response.text[:300]}"

    def assert_refused_for(self, method: str, url: str, roles, *, accept: str = "application/json", **kwargs) -> None:
        """Each (role, region prefix, enterprise ids) in ``roles``, a new user, is refused ``method url``."""
        for role, prefix, firms in roles:
            headers = {**self.headers(role, prefix, firms), "Accept": accept}
            self.assert_refused(self.client.request(method, url, headers=headers, **kwargs))

    @staticmethod
    def assert_not_leaked(response, *markers: str) -> None:
        """None of the markers (another region's codes, another enterprise's id or name) is in the answer."""
        body = response.text if hasattr(response, "text") else str(response)
        for marker in markers:
            assert marker not in body, f"{marker!r} leaked into {body[:300]}"
