"""Web routes of the risk domain: the map page (ECharts), its JSON twin, SVG export, region history.

Every route declares who may call it (``RISK``: map roles, region scope); grades outside its region prefix are neither listed,
counted, drawn nor exported, and a region history or ``prefix`` outside the caller's prefix answers
404, like a region that does not exist (scope does not reveal existence). The day shown is the
header's (fugong.web.pages.chosen_day); the map shows the last grading on or before it and says so.

    GET /risk/map                 page: choropleth with hover details, drill-down province → city → county
    GET /risk/map.json            the same facts (publication_view)
    GET /risk/map.svg             static export with legend, date, rule set and data source
    GET /risk/regions/{code}      page: the region's grades over time (twin: /risk/regions/{code}.json)
    GET /risk/geo/{layer}.json    GeoJSON boundaries for the page (boundaries only, no data)
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from fugong.access import Principal
from fugong.accounts.guard import allow, public
from fugong.accounts.web import db_engine
from fugong.store.files import file_stamp
from fugong.web.i18n import N_
from fugong.web.pages import DatePicker, block_context, chosen_day, dashboard_days, language, render, templates
from fugong.web.shell import register_page
from fugong.web.viewcache import json_bytes, page_blocks, render_page, scope_of, view_cache

router = APIRouter(tags=["risk"])
TEMPLATES = templates
# Who may call these routes (fugong.accounts.guard): the command centre, its departments and the grid
# analysts, each inside their own region. Least privilege: gate staff need only the gate, enterprises
# and service officers their enterprise pages, people their own code; none of them reads the map
# (they are refused with 403, by address too, not only hidden from the header).
MAP_ROLES = ("province_admin", "officer", "department", "grid_analyst")
RISK = allow(*MAP_ROLES, scope="region")
register_page("/risk/map", N_("Risk map"), roles=MAP_ROLES, order=30, match=("/risk/",))
LAYERS = ("zj-counties-2020", "zj-counties", "cn-provinces")

# The resumption index shown when the map is switched to "index": a callable
# (session, principal, date) -> {county code: value 0–100}; the index package registers it.
def county_index_values(settings, principal: Principal, day: dt.date) -> dict[str, float | None]:
    """{county code: resumption index R} of the stored index results for one day, inside the
    principal's region (the map's "colour by resumption index" mode); {} when none was computed."""
    path = _county_index_path(settings, day)
    try:
        modified = path.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    return {code: value for code, value in _county_index_file(str(path), modified).items()
            if principal.can_see_region(code)}


def _county_index_path(settings, day: dt.date) -> Path:
    from fugong.index.service import results_dir

    return results_dir(settings) / "level=county" / f"date={day.isoformat()}" / "part-0.parquet"


@lru_cache(maxsize=64)
def _county_index_file(path: str, modified: int) -> dict[str, float | None]:
    """One day's county results, read once per version of the file (keyed by modification time)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["code", "index"])
    return dict(zip(table["code"].to_pylist(), table["index"].to_pylist()))


def _lang(request: Request) -> str:
    return language(request)


def _rules(request: Request, name: str | None):
    from fugong.risk.rules import RuleSetError, load_rules, preset_names

    chosen = name or request.app.state.settings.risk_rules
    if name and name not in preset_names():
        raise HTTPException(status_code=404, detail="unknown rule set / 未知规则")
    try:
        return load_rules(chosen)
    except RuleSetError:
        raise HTTPException(status_code=404, detail="unknown rule set / 未知规则") from None


def _rules_stamp(request: Request, name: str | None) -> tuple:
    """(path, stamp) of the rule-set file ``_rules`` loads (load_rules finds a preset the same way)."""
    from fugong.risk.rules import PRESETS_DIR

    path = Path(name or request.app.state.settings.risk_rules)
    if not path.suffix and not path.exists():
        path = PRESETS_DIR / f"{path}.toml"
    return str(path), file_stamp(path)


def _day(text: str | None, request: Request) -> dt.date | None:
    """The day asked for (``date`` as given to a view builder), else the header's day."""
    if text:
        try:
            day = dt.date.fromisoformat(text) if len(text) == 10 and text[4] == "-" else None
        except ValueError:
            day = None
        if day is None or not dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31):
            from fugong.web.errors import Problem

            raise HTTPException(status_code=422, detail=Problem(N_("date must be YYYY-MM-DD between 2000 and 2100")))
        return day
    return chosen_day(request, dashboard_days(request.app.state.settings))


def map_key(request: Request, principal: Principal, *, rules: str | None, date: str | None,
            prefix: str, mode: str) -> tuple:
    """Refuse a bad or foreign request, else the cache key of its view: the caller's scope, the query
    and the data version — the rule-set file, the stored publications of the rule set and the county
    index file of the day shown (for "colour by index")."""
    from fugong.risk import services
    from fugong.store.db import session_scope

    if prefix and not prefix.isdigit():
        raise HTTPException(status_code=422, detail="prefix must be digits")
    if prefix and not (prefix.startswith(principal.region_prefix) or principal.region_prefix.startswith(prefix)):
        raise HTTPException(status_code=404, detail="not found / 未找到")
    rule_set = _rules(request, rules)
    day = _day(date, request)
    with session_scope(db_engine(request.app)) as session:
        published = services.publication_version(session, rule_set=rule_set.name)
        dates = view_cache(request.app).get_or_make(
            ("risk.dates", rule_set.name, published),
            lambda: tuple(services.publication_dates(session, rule_set=rule_set.name)))
    shown = [d for d in dates if day is None or d <= day]
    index_file = _county_index_path(request.app.state.settings, shown[-1]) if shown else None
    return (scope_of(principal), rules, _rules_stamp(request, rules), day, prefix, mode, published,
            file_stamp(index_file) if index_file else None)


def cached_map_view(request: Request, principal: Principal, key: tuple) -> dict:
    """The map view for a ``map_key``, built once per key (callers must not change it). ``rules`` is
    the query's (None: the configured rule set, which may be a file rather than a preset)."""
    _scope, rules, _stamp, day, prefix, mode, _published, _index = key
    return view_cache(request.app).get_or_make(
        ("risk.map",) + key,
        lambda: map_view(request, principal, rules=rules, date=day.isoformat() if day else None, prefix=prefix,
                         mode=mode))


def map_view(request: Request, principal: Principal, *, rules: str | None, date: str | None,
             prefix: str, mode: str) -> dict:
    """The map's facts, built afresh (routes use ``cached_map_view``)."""
    from fugong.risk import services
    from fugong.risk.mapping import value_colour
    from fugong.store.db import session_scope

    rule_set = _rules(request, rules)
    day = _day(date, request)
    with session_scope(db_engine(request.app)) as session:
        view = services.publication_view(session, rules=rule_set, principal=principal, date=day, prefix=prefix)
        if view is not None:
            view["available_dates"] = [d.isoformat() for d in services.publication_dates(session, rule_set=rule_set.name)]
            view["mode"] = "level"
            values = county_index_values(request.app.state.settings, principal, dt.date.fromisoformat(view["date"]))
            view["index_available"] = bool(values)
            if mode == "index" and values:
                for grade in view["grades"]:
                    value = values.get(grade["region_code"])
                    grade["index"] = value
                    grade["colour"] = value_colour(value)
                view["mode"] = "index"
    if view is None:
        return {"rule_set": rule_set.name, "title_zh": rule_set.title_zh, "title_en": rule_set.title_en,
                "date": None, "grades": [], "counts": {}, "changes": [], "available_dates": [], "mode": "level",
                "index_available": False, "asked_date": day.isoformat() if day else None,
                "scope_prefix": principal.region_prefix, "index_legend": [],
                "levels": [{"key": lv.key, "colour": lv.colour, "zh": lv.zh, "en": lv.en} for lv in rule_set.levels]}
    view["city_names"] = _city_names({g["region_code"] for g in view["grades"]})
    view["asked_date"] = day.isoformat() if day else None
    view["scope_prefix"] = principal.region_prefix
    view["index_legend"] = index_legend(view["grades"]) if view["mode"] == "index" else []
    return view


# The "colour by resumption index" legend: five bins of R with the colour of their middle value.
INDEX_BINS = ((0, 20), (20, 40), (40, 60), (60, 80), (80, 100))


def index_legend(grades: list[dict]) -> list[dict]:
    """[{"label": "0–20", "colour", "count"}] for the graded regions coloured by their index, plus the
    regions without an index value ("no data")."""
    from fugong.risk.mapping import NO_DATA, value_colour

    legend = []
    for low, high in INDEX_BINS:
        count = sum(1 for g in grades if g.get("index") is not None
                    and low <= g["index"] < high + (1e-9 if high == 100 else 0))
        legend.append({"label": f"{low}–{high}", "colour": value_colour((low + high) / 2), "count": count})
    legend.append({"label": None, "colour": NO_DATA, "count": sum(1 for g in grades if g.get("index") is None)})
    return legend


def _city_names(codes: set[str]) -> dict[str, str]:
    """Names of the prefecture cities above the graded counties (for the drill-down trail)."""
    from fugong.risk.cases import DEFAULT_VINTAGE, reference_name

    cities = {code[:4] + "00" for code in codes if code[4:] != "00"}
    return {code: reference_name(code, DEFAULT_VINTAGE) or code for code in sorted(cities)}


# The map and its JSON are built once per map_key and kept in the app's view cache (the view dict,
# its JSON bytes, the page's rendered blocks per language); a hit needs no thread, only the key's
# small query. The page's chrome (language switch, date picker) is rendered per request.


@router.get("/risk/map.json")
async def risk_map_json(request: Request, rules: str | None = None, date: str | None = None, prefix: str = "",
                        mode: str = "level", principal: Principal = Depends(RISK)) -> Response:
    key = map_key(request, principal, rules=rules, date=date, prefix=prefix, mode=mode)
    body = await view_cache(request.app).get_or_make_async(
        ("risk.map.json",) + key, lambda: json_bytes(cached_map_view(request, principal, key)))
    return Response(body, media_type="application/json")


@router.get("/risk/map", response_class=HTMLResponse)
async def risk_map_page(request: Request, rules: str | None = None, date: str | None = None, prefix: str = "",
                        mode: str = "level", principal: Principal = Depends(RISK)):
    lang = _lang(request)
    key = map_key(request, principal, rules=rules, date=date, prefix=prefix, mode=mode)

    def blocks() -> dict:
        view = cached_map_view(request, principal, key)
        return page_blocks(TEMPLATES, "risk/map.html", block_context(lang, view=view))

    rendered = await view_cache(request.app).get_or_make_async(("risk.map.html", lang) + key, blocks)
    day = key[3] or chosen_day(request)
    return render_page(request, rendered, principal=principal,
                       dates=DatePicker.of(dashboard_days(request.app.state.settings), day))


@router.get("/risk/map.svg")
def risk_map_svg(request: Request, rules: str | None = None, date: str | None = None, prefix: str = "",
                 layer: str = "zj-counties-2020", principal: Principal = Depends(RISK)) -> Response:
    from fugong.reference import maps
    from fugong.risk.mapping import publication_svg

    if layer not in LAYERS:
        raise HTTPException(status_code=404, detail="unknown map layer")
    key = map_key(request, principal, rules=rules, date=date, prefix=prefix, mode="level")
    view = cached_map_view(request, principal, key)
    if view["date"] is None:
        raise HTTPException(status_code=404, detail="no publication / 暂无发布")
    svg = publication_svg(view, maps.load(layer), lang=_lang(request))
    return Response(svg, media_type="image/svg+xml")


@router.get("/risk/regions/{region_code}.json")
def risk_region_json(request: Request, region_code: str, rules: str | None = None,
                     principal: Principal = Depends(RISK)) -> JSONResponse:
    return JSONResponse(_region(request, region_code, rules, principal))


@router.get("/risk/regions/{region_code}", response_class=HTMLResponse)
def risk_region_page(request: Request, region_code: str, rules: str | None = None,
                     principal: Principal = Depends(RISK)):
    return render(request, "risk/region.html", {"region": _region(request, region_code, rules, principal)},
                  principal=principal)


def _region(request: Request, region_code: str, rules: str | None, principal: Principal) -> dict:
    from fugong.access import AccessDenied
    from fugong.risk import services
    from fugong.risk.cases import name_of
    from fugong.risk.measures import measures_for
    from fugong.store.db import session_scope

    if not region_code.isdigit() or len(region_code) != 6:
        raise HTTPException(status_code=404, detail="not found / 未找到")
    rule_set = _rules(request, rules)
    try:
        with session_scope(db_engine(request.app)) as session:
            history = services.region_history(session, rules=rule_set, region_code=region_code, principal=principal)
    except AccessDenied:  # outside the caller's prefix: answered like a region that does not exist
        raise HTTPException(status_code=404, detail="not found / 未找到") from None
    if not history and name_of(region_code) == region_code:  # in no code list and never graded
        raise HTTPException(status_code=404, detail="not found / 未找到")
    latest = history[-1] if history else None
    return {"region_code": region_code, "name": name_of(region_code), "rule_set": rule_set.name,
            "title_zh": rule_set.title_zh, "title_en": rule_set.title_en, "history": history,
            "measures": measures_for(latest["level"], rule_set).as_dict() if latest else None,
            "levels": {lv.key: {"zh": lv.zh, "en": lv.en, "colour": lv.colour} for lv in rule_set.levels}}


@router.get("/risk/geo/{layer}.json", dependencies=[Depends(public(
    "county and province boundaries only (shipped map assets, like /static); no cases or grades"))])
def risk_geo(layer: str, prefix: str = "") -> JSONResponse:
    """Boundaries only (no case data or grades), optionally the features under a code prefix."""
    from fugong.reference import maps

    if layer not in LAYERS:
        raise HTTPException(status_code=404, detail="unknown map layer")
    collection = maps.load(layer)
    if prefix:
        collection["features"] = [f for f in collection["features"] if f["properties"]["adcode"].startswith(prefix)]
    return JSONResponse(collection)
