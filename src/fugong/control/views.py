"""Web routes of the control index: the quadrant beside the risk map, and its JSON twin.

    GET /control/quadrant        page: risk level against the flow index per county, the two
                                 warnings, ranking and changes (server-rendered SVG, no script)
    GET /control/quadrant.json   the same facts (control.quadrant.quadrant_view)

Both keep to the caller's region prefix (a foreign ?prefix= is refused with 403) and to the
dashboard roles (enterprises, gate staff and the public are refused).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from fugong.access import AccessDenied, Principal
from fugong.accounts.web import csrf_token, current_principal, db_engine

router = APIRouter(tags=["control"])
TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "web" / "templates")
DEFAULT_MODEL = "zj-precision-control-2020"


def _lang(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("lang") or request.app.state.settings.language
    return chosen if chosen in ("zh", "en") else "zh"


def _view(request: Request, principal: Principal, *, model: str | None, rules: str | None, date: str | None,
          prefix: str) -> dict:
    from fugong.control.model import ModelError, load_model, preset_names
    from fugong.control.quadrant import quadrant_view
    from fugong.dashboard.service import require_dashboard
    from fugong.risk.rules import RuleSetError, load_rules
    from fugong.risk.rules import preset_names as risk_presets
    from fugong.store.db import session_scope

    try:
        require_dashboard(principal)
    except AccessDenied:
        raise HTTPException(status_code=403, detail="access denied / 无权访问") from None
    if prefix and not prefix.isdigit():
        raise HTTPException(status_code=422, detail="prefix must be digits")
    if prefix and not (prefix.startswith(principal.region_prefix) or principal.region_prefix.startswith(prefix)):
        raise HTTPException(status_code=403, detail="access denied / 无权访问")
    if model and model not in preset_names():
        raise HTTPException(status_code=404, detail="unknown model / 未知模型")
    if rules and rules not in risk_presets():
        raise HTTPException(status_code=404, detail="unknown rule set / 未知规则")
    day = None
    if date:
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise HTTPException(status_code=422, detail="date must be YYYY-MM-DD") from None
    settings = request.app.state.settings
    try:
        chosen = load_model(model or DEFAULT_MODEL)
        rule_set = load_rules(rules or settings.risk_rules)
    except (ModelError, RuleSetError):
        raise HTTPException(status_code=404, detail="unknown model or rule set") from None
    if chosen.quadrant is None:
        raise HTTPException(status_code=404, detail="this model has no quadrant / 该模型无象限设置")
    with session_scope(db_engine(request.app)) as session:
        view = quadrant_view(session, model=chosen, rules=rule_set, principal=principal,
                             date=day or settings.as_of, prefix=prefix)
    view["prefix"] = prefix
    return view


@router.get("/control/quadrant.json")
def quadrant_json(request: Request, model: str | None = None, rules: str | None = None, date: str | None = None,
                  prefix: str = "", principal: Principal = Depends(current_principal)) -> JSONResponse:
    """Risk level against the flow index per county: bands, warnings, ranking, changes."""
    return JSONResponse(_view(request, principal, model=model, rules=rules, date=date, prefix=prefix))


@router.get("/control/quadrant", response_class=HTMLResponse, include_in_schema=False)
def quadrant_page(request: Request, model: str | None = None, rules: str | None = None, date: str | None = None,
                  prefix: str = "", principal: Principal = Depends(current_principal)):
    from fugong.control.quadrant import BAND_TEXT, FLAG_TEXT, scatter_svg
    from fugong.dashboard.i18n import translator

    lang = _lang(request)
    view = _view(request, principal, model=model, rules=rules, date=date, prefix=prefix)
    response = TEMPLATES.TemplateResponse(request, "control/quadrant.html", {
        "lang": lang, "t": translator(lang), "view": view, "principal": principal, "csrf_token": csrf_token(request),
        "map_available": True, "scatter": scatter_svg(view, lang=lang), "flag_text": FLAG_TEXT, "band_text": BAND_TEXT})
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie("lang", lang, samesite="lax", httponly=True)
    return response
