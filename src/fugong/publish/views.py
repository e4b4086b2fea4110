"""The daily publication as a dashboard page, its JSON twin and the bundle download.

    GET /publish                      page: the day's report for the caller's region, and the
                                      published versions of that day the caller may download
    GET /publish.json                 the same facts (bundle.gather) and the versions
    GET /publish/download?date=&version=
                                      the version folder as a zip (manifest included)

Bundles are read from ``<data dir>/publications`` (``fugong publish --out <data dir>/publications``).
A bundle carries its scope (the region prefix it was published for, "" = everything); a caller may
download it only when that scope lies inside the caller's own region — another one answers 404
(``OutOfScope``), like a version that does not exist. Who may call (``PUBLISH``): the roles of the
risk map, each inside their own region. The day is the header's (fugong.web.pages.chosen_day).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from fugong.access import OutOfScope, Principal
from fugong.accounts.guard import allow
from fugong.accounts.web import db_engine
from fugong.risk.views import MAP_ROLES
from fugong.web.errors import Problem
from fugong.web.i18n import N_
from fugong.web.pages import DatePicker, chosen_day, dashboard_days, language, render
from fugong.web.shell import register_page

router = APIRouter(tags=["publish"])
PUBLISH = allow(*MAP_ROLES, scope="region")
register_page("/publish", N_("Daily publication"), roles=MAP_ROLES, order=38)


def publications_dir(settings) -> Path:
    return Path(settings.data_dir) / "publications"


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


def _gather(request: Request, principal: Principal, day: dt.date) -> dict:
    from fugong.publish.bundle import gather

    return gather(settings=request.app.state.settings, engine=db_engine(request.app), date=day,
                  lang=language(request), principal=principal)


@router.get("/publish.json")
def publish_json(request: Request, date: str | None = None, principal: Principal = Depends(PUBLISH)) -> JSONResponse:
    """The day's publication for the caller's region (risk, index tables, control, quadrant) and its versions."""
    from fugong.publish.bundle import _jsonable

    day = chosen_day(request)
    facts = _jsonable(_gather(request, principal, day))
    facts["versions"] = versions(request.app.state.settings, day, principal)
    return JSONResponse(facts)


@router.get("/publish", response_class=HTMLResponse, include_in_schema=False)
def publish_page(request: Request, date: str | None = None, principal: Principal = Depends(PUBLISH)):
    from fugong.publish.bundle import _map_svg, render_html

    settings = request.app.state.settings
    days = dashboard_days(settings)
    day = chosen_day(request, days)
    lang = language(request)
    facts = _gather(request, principal, day)
    report = render_html(facts, lang=lang, svg_map=_map_svg(facts, lang), embedded=True)
    return render(request, "publish/page.html", {
        "report": report, "date": day.isoformat(), "versions": versions(settings, day, principal)},
        principal=principal, dates=DatePicker.of(days, day))


@router.get("/publish/download")
def publish_download(request: Request, date: str, version: int, principal: Principal = Depends(PUBLISH)) -> Response:
    """One published version of a day as a zip (another region's bundle answers 404, like a missing one)."""
    day = chosen_day(request)
    folder = publications_dir(request.app.state.settings) / day.isoformat() / f"v{version}"
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise HTTPException(status_code=404, detail=Problem(N_("no such publication")))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if not str(manifest.get("scope", "")).startswith(principal.region_prefix):
        raise OutOfScope(f"{principal.actor} may not download the bundle of scope {manifest.get('scope')!r}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in [f["name"] for f in manifest["files"]] + ["manifest.json"]:
            archive.write(folder / name, f"{day.isoformat()}-v{version}/{name}")
    filename = f"fugong-{day.isoformat()}-v{version}.zip"
    return Response(buffer.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
