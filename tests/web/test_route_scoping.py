"""Refusal cases: requests with real data and real bodies showing that another region's or
enterprise's data is refused and never leaks (tests/<domain>/scoping_cases.py).

Who may call each route is declared on the route itself and walked by tests/web/test_access_matrix.py;
the matrix sends no bodies, so every route that changes state within a region or enterprise scope
needs at least one refusal case here. Registry: tests/web/scoping.py; docs/accounts.md.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from tests.accounts.helpers import build_app
from tests.web.scoping import CASES, EXEMPTIONS, World

TESTS = Path(__file__).resolve().parents[1]
for _declarations in sorted(TESTS.glob("*/scoping_cases.py")):
    importlib.import_module(f"tests.{_declarations.parent.name}.scoping_cases")


def app_routes(app) -> set[tuple[str, str]]:
    """(method, path template) of every route, included routers and mounts too ("*" for a mount)."""
    routes = set()
    for context in iter_route_contexts(app.routes):
        methods = getattr(context, "methods", None)
        if not methods:
            routes.add(("*", context.path))
            continue
        for method in methods - {"HEAD"}:
            routes.add((method, context.path))
    return routes


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    data = tmp_path_factory.mktemp("walk")
    return app_routes(build_app(f"sqlite:///{data / 'walk.db'}", data))


UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def test_every_scoped_route_that_changes_state_has_a_refusal_case(tmp_path):
    from fugong.accounts.guard import declaration_of

    app = build_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path)
    covered = {(case.method, case.path) for case in CASES.values()}
    missing = []
    for context in iter_route_contexts(app.routes):
        route = getattr(context, "route", context)
        access = declaration_of(route)
        for method in (getattr(context, "methods", None) or set()) & UNSAFE:
            if access is not None and access.scope in ("region", "enterprise") and (method, context.path) not in covered:
                missing.append(f"  {method} {context.path}")
    assert not missing, ("state-changing routes without a refusal case (tests/<domain>/scoping_cases.py, "
                         "see docs/accounts.md):\n" + "\n".join(sorted(missing)))


def test_every_declared_case_names_a_route_that_exists(routes):
    declared = {(case.method, case.path) for case in CASES.values()}
    stale = sorted(declared - routes)
    assert not stale, "declared for routes the app no longer has:\n" + "\n".join(f"  {m} {p}" for m, p in stale)


def test_an_old_style_exemption_agrees_with_the_route_declaration(tmp_path):
    """``exempt(..., public=True)`` in a scoping_cases.py must name a route declared public(...) in code."""
    from fugong.accounts.guard import declaration_of

    app = build_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path)
    declared = {}
    for context in iter_route_contexts(app.routes):
        route = getattr(context, "route", context)
        for method in getattr(context, "methods", None) or {"*"}:
            declared[(method, context.path)] = declaration_of(route)
    wrong = [f"  {m} {p}" for (m, p), e in EXEMPTIONS.items()
             if e.public and (declared.get((m, p)) is None or declared[(m, p)].scope != "public")]
    assert not wrong, "exempted as public but not declared public(...) on the route:\n" + "\n".join(wrong)


def test_the_walk_sees_routes_of_included_routers_and_mounts(routes):
    assert ("GET", "/accounts/users.json") in routes and ("POST", "/login") in routes
    assert ("*", "/static") in routes and ("GET", "/healthz") in routes


def _on_alternate_databases(cases):
    """Each case with one database, SQLite and PostgreSQL in turn (sorted by route), so that both run
    half of the cases: a refusal is decided by the route and its service's query, the same on both,
    and the domains' own tests run every query on both. (Every case on both took 13 of the 110
    worker-minutes of a CI run.)"""
    ordered = sorted(cases, key=lambda c: (c.path, c.method, c.name))
    return [pytest.param(("sqlite", "postgresql")[i % 2], case, id=f"{('sqlite', 'postgresql')[i % 2]}-"
                         f"{case.method} {case.path} {case.name}") for i, case in enumerate(ordered)]


@pytest.mark.parametrize(("db_url", "case"), _on_alternate_databases(CASES.values()), indirect=["db_url"])
def test_refusal_case(engine, db_url, tmp_path, case):
    app = build_app(db_url, tmp_path / "data")
    with TestClient(app) as client:
        case.check(World(app=app, client=client, engine=engine))
    if getattr(app.state, "db_engine", None) is not None:
        app.state.db_engine.dispose()
