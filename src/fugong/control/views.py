"""Web routes of the control index: the quadrant beside the risk map, and its JSON twin.

    GET /control/quadrant        page: risk level against the flow index per county, the two
                                 warnings, ranking and changes (server-rendered SVG, no script)
    GET /control/quadrant.json   the same facts (control.quadrant.quadrant_view)

Who may call them (``CONTROL``): the roles of the risk map — the command centre, its departments
and the grid analysts — each inside their own region; enterprises, gate staff and the public get
403. A ``prefix`` outside the caller's region answers 404 (``OutOfScope``), like a region that does
not exist. The day is the header's (fugong.web.pages.chosen_day): the quadrant shows the last
results on or before it and says so.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse

from fugong.access import OutOfScope, Principal
from fugong.accounts.guard import allow
from fugong.accounts.web import db_engine
from fugong.risk.views import MAP_ROLES
from fugong.web.errors import Problem
from fugong.web.i18n import N_
from fugong.web.pages import DatePicker, chosen_day, language, render
from fugong.web.shell import register_page

router = APIRouter(tags=["control"])
CONTROL = allow(*MAP_ROLES, scope="region")
register_page("/control/quadrant", N_("Control quadrant"), roles=MAP_ROLES, order=35, match=("/control/",))
DEFAULT_MODEL = "zj-precision-control-2020"


def _model_and_rules(request: Request, model: str | None, rules: str | None):
    from fugong.control.model import ModelError, load_model, preset_names
    from fugong.risk.rules import RuleSetError, load_rules
    from fugong.risk.rules import preset_names as risk_presets

    if model and model not in preset_names():
        raise HTTPException(status_code=404, detail=Problem(N_("unknown model %(name)s"), name=model))
    if rules and rules not in risk_presets():
        raise HTTPException(status_code=404, detail=Problem(N_("unknown rule set %(name)s"), name=rules))
    try:
        chosen = load_model(model or DEFAULT_MODEL)
        rule_set = load_rules(rules or request.app.state.settings.risk_rules)
    except (ModelError, RuleSetError):
        raise HTTPException(status_code=404, detail=Problem(N_("unknown model or rule set"))) from None
    if chosen.quadrant is None:
        raise HTTPException(status_code=404, detail=Problem(N_("model %(name)s has no quadrant"), name=chosen.name))
    return chosen, rule_set


def control_days(request: Request, model: str | None = None) -> list[dt.date]:
    """Days with control results of the model (the header's date picker)."""
    from sqlalchemy import select

    from fugong.control.models import ControlResult
    from fugong.store.db import session_scope

    with session_scope(db_engine(request.app)) as session:
        return list(session.scalars(select(ControlResult.date).where(ControlResult.model == (model or DEFAULT_MODEL))
                                    .distinct().order_by(ControlResult.date)))


def _view(request: Request, principal: Principal, *, model: str | None, rules: str | None, day: dt.date,
          prefix: str) -> dict:
    from fugong.control.quadrant import quadrant_view
    from fugong.store.db import session_scope

    if prefix and not prefix.isdigit():
        raise HTTPException(status_code=422, detail=Problem(N_("prefix must be digits")))
    if prefix and not (prefix.startswith(principal.region_prefix) or principal.region_prefix.startswith(prefix)):
        raise OutOfScope(f"{principal.actor} may not access region prefix {prefix}")
    chosen, rule_set = _model_and_rules(request, model, rules)
    with session_scope(db_engine(request.app)) as session:
        view = quadrant_view(session, model=chosen, rules=rule_set, principal=principal, date=day, prefix=prefix)
    view["prefix"] = prefix
    view["asked_date"] = day.isoformat()
    return view


@router.get("/control/quadrant.json")
def quadrant_json(request: Request, model: str | None = None, rules: str | None = None, date: str | None = None,
                  prefix: str = "", principal: Principal = Depends(CONTROL)) -> JSONResponse:
    """Risk level against the flow index per county: bands, warnings, ranking, changes."""
    day = chosen_day(request)
    return JSONResponse(_view(request, principal, model=model, rules=rules, day=day, prefix=prefix))


@router.get("/control/quadrant", response_class=HTMLResponse, include_in_schema=False)
def quadrant_page(request: Request, model: str | None = None, rules: str | None = None, date: str | None = None,
                  prefix: str = "", principal: Principal = Depends(CONTROL)):
    from fugong.control.quadrant import BAND_TEXT, FLAG_TEXT, scatter_svg

    days = control_days(request, model)
    day = chosen_day(request, days)
    view = _view(request, principal, model=model, rules=rules, day=day, prefix=prefix)
    return render(request, "control/quadrant.html", {
        "view": view, "scatter": scatter_svg(view, lang=language(request)), "flag_text": FLAG_TEXT,
        "band_text": BAND_TEXT}, principal=principal, dates=DatePicker.of(days, day))
