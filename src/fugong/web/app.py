"""The FastAPI application: pages rendered with Jinja, each with a JSON twin from the same call.

``create_app(settings)`` builds the app; routers of the domain packages are included here, and each
declares its pages for the header and the landing of each role (``fugong.web.shell``).

    GET /            signed in: a redirect to the role's own page; else the sign-in page (nothing internal)
    GET /index.json  its twin: where to sign in and register (nothing internal)
    GET /healthz     {"status": "ok"} (200) or {"status": "degraded"} (503), for probes; nothing else
    GET /account     the signed-in user's role and scope (twin: /me.json)
"""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from fugong import __version__
from fugong.accounts.guard import SIGNED_IN, allow, declared, public
from fugong.config import Settings, get_settings, use_settings
from fugong.web.pages import HERE, language, remember_choices, render, templates  # noqa: F401 - templates: used by routers

__all__ = ["create_app", "language", "templates", "tune_for_serving"]


def healthy(settings: Settings) -> bool:
    """The database answers and its schema is at the code's revision."""
    from fugong.store.db import current_revision, head_revision, shared_engine

    try:
        return current_revision(shared_engine(settings.resolved_database_url)) == head_revision()
    except Exception:  # noqa: BLE001 - a probe answers "not ok", it does not fail
        return False


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
    from fastapi.staticfiles import StaticFiles

    settings = settings or get_settings()
    use_settings(settings)  # one settings object: the services (ID hashes, signing keys) read the app's
    lifespan = None
    if run_scheduler:
        from fugong.workflow.serving import scheduler_lifespan

        lifespan = scheduler_lifespan(settings)
    app = FastAPI(title="fugong 复工", version=__version__, docs_url="/api/docs", redoc_url=None, lifespan=lifespan)
    app.state.settings = settings
    from fugong.healthcode.views import gate_router

    app.include_router(gate_router)  # first: the busiest route (see healthcode.views.gate_router)
    from fugong.resumption.views import intake_router

    app.include_router(intake_router)  # next: filing, the busiest write (resumption.views.intake_router)
    static = declared(public("vendored JavaScript, CSS and map assets; no data"))(StaticFiles(directory=HERE / "static"))
    app.mount("/static", static, name="static")
    api_description = public("the API description (paths and schemas); no data")
    for route in app.routes:  # FastAPI's own routes: /openapi.json, /api/docs, /docs/oauth2-redirect
        if getattr(route, "path", None) in (app.openapi_url, app.docs_url, app.swagger_ui_oauth2_redirect_url):
            declared(api_description)(route.endpoint)

    @app.get("/healthz", tags=["system"], dependencies=[Depends(public("liveness for monitors; the status word only"))])
    def healthz() -> JSONResponse:
        """For probes: ok when the database answers at the code's schema revision (details: fugong db status)."""
        ok = healthy(settings)
        return JSONResponse({"status": "ok" if ok else "degraded"}, status_code=200 if ok else 503)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False,
             dependencies=[Depends(public("the sign-in page; a signed-in user is sent on to their own page"))])
    def home(request: Request):
        """Signed in: the role's own page. Anonymous: the sign-in page."""
        from fugong.accounts.web import optional_principal
        from fugong.web.shell import landing_path

        principal = optional_principal(request)
        if principal is not None:
            response = RedirectResponse(landing_path(principal), status_code=303)
            remember_choices(request, response)  # /?lang=en: the landing page in English
            return response
        from fugong.accounts.web import login_response

        return login_response(request, next_path="/")

    @app.get("/index.json", tags=["system"],
             dependencies=[Depends(public("JSON twin of the home page: where to sign in and register"))])
    def home_json(request: Request) -> dict:
        """The home page's twin: the product and where to sign in or register; nothing internal."""
        from fugong.web.i18n import translator

        tr = translator(language(request, settings))
        return {"product": "fugong", "title": tr("Work Resumption Command Centre"),
                "sign_in": "/login", "register": "/code/register"}

    @app.get("/account", response_class=HTMLResponse, include_in_schema=False)
    async def account(request: Request, principal=Depends(allow(*SIGNED_IN, scope="own"))):
        return render(request, "account.html", {}, principal=principal)

    from fugong.accounts.web import install as install_accounts
    from fugong.dashboard.views import router as dashboard_router
    from fugong.healthcode.views import router as healthcode_router
    from fugong.control.views import router as control_router
    from fugong.publish.views import router as publish_router
    from fugong.risk.views import router as risk_router
    from fugong.web import errors

    app.include_router(dashboard_router)
    app.include_router(risk_router)
    app.include_router(healthcode_router)
    app.include_router(control_router)
    app.include_router(publish_router)
    from fugong.enterprises.views import router as enterprises_router
    from fugong.resumption.views import router as resumption_router

    app.include_router(resumption_router)  # first: /enterprises/{id}/roster before /enterprises/{id}
    app.include_router(enterprises_router)
    from fugong.desk.open311_views import router as open311_router
    from fugong.desk.views import router as desk_router

    app.include_router(desk_router)
    app.include_router(open311_router)
    install_accounts(app)  # login/logout/me/users routes
    errors.install(app)  # HTML or JSON error answers; AccessDenied → 403, OutOfScope → 404
    from fugong.healthcode.lists import MAX_UPLOAD_BYTES
    from fugong.web.limits import BodyLimit, SecurityHeaders, allow_upload

    allow_upload("/api/code/lists", MAX_UPLOAD_BYTES)
    allow_upload("/code/lists", MAX_UPLOAD_BYTES + (64 << 10))  # the same file as a form (multipart framing)
    from fugong.desk.service import MAX_ATTACHMENT
    from fugong.enterprises.views import MAX_UPLOAD as REGISTRY_UPLOAD

    allow_upload("/enterprises/import", REGISTRY_UPLOAD + (64 << 10))  # a registry or roster spreadsheet
    allow_upload("/enterprises/{enterprise_id}/roster", REGISTRY_UPLOAD + (64 << 10))
    allow_upload("/desk/demands", MAX_ATTACHMENT + (64 << 10))  # a demand with its photo or PDF
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app
