"""The daily publication as a dashboard page, its JSON twin and the bundle download.

    GET /publish                      page: the day's report for the caller's region, and the
                                      published versions of that day the caller may download
    GET /publish.json                 the same facts (bundle.gather) and the versions
    GET /publish/download?date=&version=
                                      the version folder as a zip (manifest included)

Bundles are read from ``<data dir>/publications`` (``fugong publish --out <data dir>/publications``).
A bundle carries its scope (the region prefix it was published for, "" = everything); a caller may
download it only when that scope lies inside the caller's own region.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from fugong.access import AccessDenied, Principal
from fugong.accounts.web import csrf_token, current_principal, db_engine

router = APIRouter(tags=["publish"])
TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "web" / "templates")


def publications_dir(settings) -> Path:
    return Path(settings.data_dir) / "publications"


def _lang(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("lang") or request.app.state.settings.language
    return chosen if chosen in ("zh", "en") else "zh"


def _check(principal: Principal, date: str | None, request: Request) -> dt.date:
    from fugong.dashboard.service import require_dashboard

    try:
        require_dashboard(principal)
    except AccessDenied:
        raise HTTPException(status_code=403, detail="access denied / 无权访问") from None
    if not date:
        return request.app.state.settings.as_of or dt.date.today()
    try:
        return dt.date.fromisoformat(date)
    except ValueError:
        raise HTTPException(status_code=422, detail="date must be YYYY-MM-DD") from None


def versions(settings, day: dt.date, principal: Principal) -> list[dict]:
    """The published versions of a day whose scope lies inside the principal's region."""
    out = []
    folder = publications_dir(settings) / day.isoformat()
    for path in sorted(folder.glob("v*"), key=lambda p: int(p.name[1:]) if p.name[1:].isdigit() else 0):
        manifest_path = path / "manifest.json"
        if not path.name[1:].isdigit() or not manifest_path.exists():
            continue
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if not str(manifest.get("scope", "")).startswith(principal.region_prefix):
            continue
        out.append({"version": manifest["version"], "generated_at": manifest["generated_at"], "lang": manifest["lang"],
                    "scope": manifest.get("scope", ""), "files": [f["name"] for f in manifest["files"]],
                    "notes": manifest.get("notes", []),
                    "download": f"/publish/download?date={day.isoformat()}&version={manifest['version']}"})
    return out


def _facts(request: Request, principal: Principal, day: dt.date, lang: str) -> dict:
    from fugong.publish.bundle import _jsonable, gather

    facts = gather(settings=request.app.state.settings, engine=db_engine(request.app), date=day, lang=lang,
                   principal=principal)
    return _jsonable(facts)


@router.get("/publish.json")
def publish_json(request: Request, date: str | None = None, principal: Principal = Depends(current_principal)) -> JSONResponse:
    """The day's publication for the caller's region (risk, index tables, control, quadrant) and its versions."""
    day = _check(principal, date, request)
    facts = _facts(request, principal, day, _lang(request))
    facts["versions"] = versions(request.app.state.settings, day, principal)
    return JSONResponse(facts)


@router.get("/publish", response_class=HTMLResponse, include_in_schema=False)
def publish_page(request: Request, date: str | None = None, principal: Principal = Depends(current_principal)):
    from fugong.dashboard.i18n import translator
    from fugong.publish.bundle import _map_svg, gather, render_html

    day = _check(principal, date, request)
    lang = _lang(request)
    facts = gather(settings=request.app.state.settings, engine=db_engine(request.app), date=day, lang=lang,
                   principal=principal)
    report = render_html(facts, lang=lang, svg_map=_map_svg(facts, lang), embedded=True)
    return TEMPLATES.TemplateResponse(request, "publish/page.html", {
        "lang": lang, "t": translator(lang), "principal": principal, "csrf_token": csrf_token(request),
        "map_available": True, "report": report, "date": day.isoformat(),
        "versions": versions(request.app.state.settings, day, principal)})


@router.get("/publish/download")
def publish_download(request: Request, date: str, version: int, principal: Principal = Depends(current_principal)) -> Response:
    """One published version of a day as a zip (refused outside the caller's region)."""
    day = _check(principal, date, request)
    folder = publications_dir(request.app.state.settings) / day.isoformat() / f"v{version}"
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise HTTPException(status_code=404, detail="no such publication / 无此发布")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if not str(manifest.get("scope", "")).startswith(principal.region_prefix):
        raise HTTPException(status_code=403, detail="access denied / 无权访问")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in [f["name"] for f in manifest["files"]] + ["manifest.json"]:
            archive.write(folder / name, f"{day.isoformat()}-v{version}/{name}")
    filename = f"fugong-{day.isoformat()}-v{version}.zip"
    return Response(buffer.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
