"""The access matrix, read from the routes: every method and path × every role × own region / other
region / other enterprise / anonymous answers as the route's declaration says (fugong.accounts.guard).

- a route without a declaration fails the suite;
- anonymous: a public route answers (not 401, not 5xx), any other 401 (or a redirect to /login);
- a role the declaration does not name: 403, and nothing of the other region in the answer;
- a named role, own data: a GET answers 200; a POST gets past the gate (not 401/403, not 5xx);
- a named role, another region's record (path parameters of Ningbo): 403/404 for a GET, never a
  success for a POST; another enterprise's record: refused to enterprise-bound roles (enterprise users,
  service officers), allowed to staff of the region when the scope is ``enterprise`` (a filing or a
  demand of another enterprise likewise, for parameters a seeder names in ``firm_params``);
- in every answer to a Hangzhou caller: none of Ningbo's markers (codes, names, ids) — lists, counts,
  exports and pages included (SVG maps draw every boundary, so they are checked by refusal cases).

The world (data of both cities, sample path parameters) is in tests/web/matrix.py; POST bodies are
the refusal cases' business (tests/<domain>/scoping_cases.py).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from fugong.access import SYSTEM
from fugong.accounts import service
from fugong.accounts.guard import USER_ROLES, declaration_of
from fugong.config import load_settings
from fugong.store.db import session_scope
from tests.web import matrix

TESTS = Path(__file__).resolve().parents[1]
for _declarations in sorted(TESTS.glob("*/scoping_cases.py")):
    importlib.import_module(f"tests.{_declarations.parent.name}.scoping_cases")

PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
ENTERPRISE_BOUND = ("enterprise", "service_officer")


def _app(db_url: str, data_dir):
    from fugong.web.app import create_app

    return create_app(load_settings({"FUGONG_DATA_DIR": str(data_dir), "FUGONG_DATABASE_URL": db_url,
                                     "FUGONG_SECRET_KEY": "test-secret-" + "x" * 32, "FUGONG_AS_OF": "2020-02-20"}))


def routes_of(app):
    """(method, path, route) of every route (included routers and mounts too; "*" for a mount)."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = getattr(context, "route", context)
        methods = getattr(context, "methods", None) or getattr(route, "methods", None)
        if isinstance(route, Mount) or not methods:
            found.append(("*", context.path, route))
            continue
        found.extend((method, context.path, route) for method in sorted(set(methods) - {"HEAD"}))
    return found


def test_every_route_declares_who_may_call_it(tmp_path):
    app = _app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path)
    missing = [f"  {method} {path}" for method, path, route in routes_of(app) if declaration_of(route) is None]
    assert not missing, ("routes without an access declaration (Depends(allow(...)) or Depends(public(...)), "
                         "see docs/accounts.md):\n" + "\n".join(missing))


def test_a_route_without_a_declaration_is_reported(tmp_path):
    from fastapi import APIRouter, Depends

    from fugong.accounts.web import current_principal

    app = _app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path)
    router = APIRouter()
    router.add_api_route("/test/undeclared.json", lambda p=Depends(current_principal): {}, methods=["GET"])
    app.include_router(router)
    undeclared = [path for _m, path, route in routes_of(app) if declaration_of(route) is None]
    assert undeclared == ["/test/undeclared.json"]


def _url(path: str, samples: matrix.Samples, variant: int) -> str | None:
    """The path with its parameters filled for a variant (0 own, 1 other region, 2 other enterprise)."""
    missing = []

    def fill(match):
        name = match.group(1)
        if name not in samples.params:
            missing.append(name)
            return "x"
        return samples.params[name][variant]

    url = PARAM.sub(fill, path)
    assert not missing, f"no sample for path parameter(s) {missing} of {path}: add them with @matrix_seed"
    return url


def _query(route, samples: matrix.Samples) -> dict:
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return {}
    return {p.name: samples.query[p.name] for p in dependant.query_params
            if p.field_info.is_required() and p.name in samples.query}


def _leaks(response, markers) -> list[str]:
    kind = response.headers.get("content-type", "")
    if "svg" in kind or response.status_code >= 300:
        return []
    body = response.text
    return [m for m in markers if m in body]


def _walk(app, engine) -> tuple[list[str], int]:
    problems: list[str] = []
    cells = 0
    world = type("World", (), {})()
    world.app, world.engine = app, engine
    world.session = lambda: session_scope(engine)
    samples = matrix.Samples()
    for seeder in matrix.SEEDERS:
        got = seeder(world)
        samples.params.update(got.params)
        samples.query.update(got.query)
        samples.markers += got.markers
        samples.firm_params += got.firm_params
    headers = {}
    with session_scope(engine) as session:
        for role, (prefix, firms) in matrix.CALLERS.items():
            username = "m-hz-person" if role == "person" else f"m-caller-{role}"
            service.add_user(session, actor=SYSTEM, username=username, role=role, region_prefix=prefix,
                             enterprise_ids=list(firms))
            token = service.create_api_token(session, actor=SYSTEM, username=username, name="matrix").token
            headers[role] = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    assert set(headers) == set(USER_ROLES), "the matrix needs a caller of every role"

    with TestClient(app) as client:
        for method, path, route in routes_of(app):
            access = declaration_of(route)
            if method == "*":
                continue  # a mount (static files): its declaration is checked above
            query = _query(route, samples)
            has_params = bool(PARAM.search(path))
            kwargs = {} if method == "GET" else {"json": {}}

            def call(url, caller):
                request_headers = headers.get(caller, {"Accept": "application/json"})
                return client.request(method, url, params=query, headers=request_headers, **kwargs)

            where = f"{method} {path}"
            own_url = _url(path, samples, 0)
            anonymous = call(own_url, None)
            if anonymous.status_code >= 500:
                problems.append(f"{where}: anonymous → {anonymous.status_code}")
            if access.scope == "public":
                if anonymous.status_code == 401:
                    problems.append(f"{where}: public but refused an anonymous caller (401)")
                continue
            if anonymous.status_code not in (401, 303):
                problems.append(f"{where}: anonymous → {anonymous.status_code}, expected 401")
            for role in USER_ROLES:
                variants = (0, 1, 2) if has_params else (0,)
                for variant in variants:
                    url = _url(path, samples, variant)
                    response = call(url, role)
                    cells += 1
                    status, label = response.status_code, f"{where} as {role} ({('own', 'other region', 'other enterprise')[variant]})"
                    if status >= 500:
                        problems.append(f"{label}: {status}")
                        continue
                    leaked = _leaks(response, samples.markers)
                    if leaked:
                        problems.append(f"{label}: leaked {leaked}")
                    if not access.allows(role):
                        if status != 403:
                            problems.append(f"{label}: role not declared, answered {status} (expected 403)")
                        continue
                    refused = status in (401, 403, 404)
                    firm_record = "enterprise_id" in path or any(f"{{{name}}}" in path for name in samples.firm_params)
                    other_firm_refused = (variant == 2 and firm_record
                                          and (role in ENTERPRISE_BOUND or access.scope == "own"))
                    if variant == 1 or other_firm_refused:
                        if method == "GET" and not refused:
                            problems.append(f"{label}: another {'region' if variant == 1 else 'enterprise'}'s "
                                            f"record answered {status}")
                        if method != "GET" and status < 300:
                            problems.append(f"{label}: another's record accepted ({status})")
                    elif method == "GET" and status != 200:
                        problems.append(f"{label}: declared and own, answered {status}: {response.text[:150]}")
                    elif method != "GET" and status in (401, 403):
                        problems.append(f"{label}: declared and own, refused {status}")
    return problems, cells


def test_the_access_matrix_holds(engine, db_url, tmp_path):
    app = _app(db_url, tmp_path / "data")
    try:
        problems, cells = _walk(app, engine)
    finally:
        if getattr(app.state, "db_engine", None) is not None:
            app.state.db_engine.dispose()
    assert cells >= 8 * 40, f"only {cells} cells walked"
    assert not problems, f"{len(problems)} cell(s) of the access matrix do not hold:\n" + "\n".join(problems)
