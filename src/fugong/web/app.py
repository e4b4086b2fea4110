"""The FastAPI application: pages rendered with Jinja, each with a JSON twin from the same call.

``create_app(settings)`` builds the app; routers of the domain packages are included here.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from fugong import __version__
from fugong.config import Settings, get_settings
from fugong.store.db import current_revision, head_revision, shared_engine
from fugong.web.i18n import t

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def _pct(value: float | None) -> str:
    """A percentage with two decimals, or an em dash for "nobody reporting"."""
    return "—" if value is None else f"{value:.2f}"


def _num(value: float | None) -> str:
    """A count or kWh grouped by thousands, or an em dash."""
    return "—" if value is None else f"{value:,.0f}"


# Filters, not macros, for numbers in big tables: a Jinja macro call per cell dominated page time.
templates.env.filters.update(pct=_pct, num=_num)


def language(request: Request, settings: Settings) -> str:
    """``?lang=en`` wins, then the ``lang`` cookie, then the configured default (zh)."""
    chosen = request.query_params.get("lang") or request.cookies.get("lang") or settings.language
    return chosen if chosen in ("zh", "en") else "zh"


def system_status(settings: Settings) -> dict:
    """What the first page and /healthz report: versions, engine, database revision."""
    revision = current_revision(shared_engine(settings.resolved_database_url))
    return {
        "version": __version__,
        "engine": settings.engine,
        "database": settings.resolved_database_url.split(":", 1)[0],
        "schema_revision": revision,
        "schema_up_to_date": revision == head_revision(),
        "as_of": settings.as_of.isoformat() if settings.as_of else None,
    }


def tune_for_serving() -> None:
    """Garbage-collector settings for a server process, once its app is built (not for tests).

    At 1,000 gate scans a second, objects that live for the few milliseconds of a request survive
    the young collections (every 700 allocations by default), reach the oldest generation and make
    it collect about once a second; each full collection walked everything the process had imported
    and stalled both its threads for 60–120 ms (measured with gc.callbacks; p99 110 ms → 28–40 ms
    after this change, benchmarks/healthcode_bench.py). So: freeze what exists after start-up (the
    collector never walks it again) and collect the young generation every 7,000 allocations.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(7000, 10, 10)


def create_app(settings: Settings | None = None, *, run_scheduler: bool = False) -> FastAPI:
    """The app; ``run_scheduler`` (the serving entry point) starts the job scheduler with it."""
    settings = settings or get_settings()
    lifespan = None
    if run_scheduler:
        from fugong.workflow.serving import scheduler_lifespan

        lifespan = scheduler_lifespan(settings)
    app = FastAPI(title="fugong 复工", version=__version__, docs_url="/api/docs", redoc_url=None, lifespan=lifespan)
    app.state.settings = settings
    from fugong.healthcode.views import gate_router

    app.include_router(gate_router)  # first: the busiest route (see healthcode.views.gate_router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/healthz", tags=["system"])
    def healthz() -> dict:
        status = system_status(settings)
        return {"status": "ok" if status["schema_up_to_date"] else "degraded", **status}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request):
        from fugong.accounts.web import optional_principal
        from fugong.dashboard.service import DASHBOARD_ROLES

        # Officers land on the overview; everyone else (and anonymous visitors) sees the home page.
        principal = optional_principal(request)
        if principal is not None and principal.role in DASHBOARD_ROLES:
            return RedirectResponse("/overview", status_code=303)
        if principal is not None and principal.role == "enterprise":
            return RedirectResponse("/firm", status_code=303)  # an enterprise lands on its own resumption page
        lang = language(request, settings)
        status = system_status(settings)
        response = templates.TemplateResponse(
            request, "home.html", {"lang": lang, "t": lambda key: t(key, lang), "status": status}
        )
        if request.query_params.get("lang") in ("zh", "en"):
            response.set_cookie("lang", lang, samesite="lax", httponly=True)
        return response

    @app.get("/index.json", tags=["system"])
    def home_json() -> JSONResponse:
        return JSONResponse(system_status(settings))

    from fugong.accounts.web import install as install_accounts
    from fugong.dashboard.views import router as dashboard_router
    from fugong.healthcode.views import router as healthcode_router
    from fugong.risk.views import router as risk_router

    app.include_router(dashboard_router)
    app.include_router(risk_router)
    app.include_router(healthcode_router)
    from fugong.enterprises.views import router as enterprises_router
    from fugong.resumption.views import router as resumption_router

    app.include_router(resumption_router)  # first: /enterprises/{id}/roster before /enterprises/{id}
    app.include_router(enterprises_router)
    from fugong.desk.open311_views import router as open311_router
    from fugong.desk.views import router as desk_router

    app.include_router(desk_router)
    app.include_router(open311_router)
    install_accounts(app)  # login/logout/me/users routes + AccessDenied -> 403
    return app
