"""Every route of the app refuses other regions' and enterprises' data, or is explicitly exempt.

The registry and how a route declares its cases: tests/web/scoping.py and docs/accounts.md.
"""

from __future__ import annotations

import importlib
import re
import tempfile
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


def test_every_route_is_exempt_with_a_reason_or_has_a_refusal_case(routes):
    covered = set(EXEMPTIONS) | {(case.method, case.path) for case in CASES.values()}
    missing = sorted(routes - covered)
    assert not missing, (
        "routes without a refusal case or an exemption (declare them in tests/<domain>/scoping_cases.py, "
        "see docs/accounts.md):\n" + "\n".join(f"  {method} {path}" for method, path in missing)
    )


def test_every_declared_case_and_exemption_names_a_route_that_exists(routes):
    declared = set(EXEMPTIONS) | {(case.method, case.path) for case in CASES.values()}
    stale = sorted(declared - routes)
    assert not stale, "declared for routes the app no longer has:\n" + "\n".join(f"  {m} {p}" for m, p in stale)


def test_the_walk_sees_routes_of_included_routers_and_mounts(routes):
    assert ("GET", "/accounts/users.json") in routes and ("POST", "/login") in routes
    assert ("*", "/static") in routes and ("GET", "/healthz") in routes


def _anonymous_targets():
    # The app is only inspected here (at collection), never served: no database is opened.
    app = build_app("sqlite://", Path(tempfile.gettempdir()) / "fugong-route-walk")
    return sorted(r for r in app_routes(app) if r[0] != "*" and not (r in EXEMPTIONS and EXEMPTIONS[r].public))


@pytest.mark.parametrize(("method", "path"), _anonymous_targets(), ids=lambda value: value)
def test_every_route_that_is_not_public_refuses_an_anonymous_caller(engine, db_url, tmp_path, method, path):
    app = build_app(db_url, tmp_path / "data")
    url = re.sub(r"\{[^}]+\}", "0", path)
    with TestClient(app) as client:
        response = client.request(method, url, headers={"Accept": "application/json"})
    if getattr(app.state, "db_engine", None) is not None:
        app.state.db_engine.dispose()
    assert response.status_code in (401, 403), f"{method} {path} answered {response.status_code} to nobody"


@pytest.mark.parametrize("case", sorted(CASES.values(), key=lambda c: (c.path, c.method, c.name)),
                         ids=lambda c: f"{c.method} {c.path} {c.name}")
def test_refusal_case(engine, db_url, tmp_path, case):
    app = build_app(db_url, tmp_path / "data")
    with TestClient(app) as client:
        case.check(World(app=app, client=client, engine=engine))
    if getattr(app.state, "db_engine", None) is not None:
        app.state.db_engine.dispose()


def test_a_new_route_without_a_case_would_be_reported(tmp_path):
    from fastapi import APIRouter

    app = build_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path)
    router = APIRouter()
    router.add_api_route("/test/unscoped.json", lambda: {}, methods=["GET"])
    app.include_router(router)
    covered = set(EXEMPTIONS) | {(case.method, case.path) for case in CASES.values()}
    assert ("GET", "/test/unscoped.json") in app_routes(app) - covered
