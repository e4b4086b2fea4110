"""Web routes of the enterprise registry (each page with its JSON twin from the same service call).

    GET  /enterprises                 /api/enterprises            officers: the registry of their region
    POST /enterprises/import                                       officers: upload CSV/XLSX (rejects listed)
    GET  /enterprises/{id}            /api/enterprises/{id}       the profile (its own users, officers of its region)
    POST /enterprises/{id}/profile                                 edit the profile (fields by role)
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from fugong.access import AccessDenied, Principal
from fugong.accounts.guard import STAFF, allow
from fugong.web.i18n import N_
from fugong.web.shell import register_page
from fugong.workflow.web import page, post_result, run

router = APIRouter(tags=["enterprises"])
REGISTRY = allow(*STAFF, scope="region", note="the registry of the officer's region")
PROFILE_READERS = allow("enterprise", "service_officer", "department", *STAFF, scope="enterprise")
PROFILE_EDITORS = allow("enterprise", *STAFF, scope="enterprise", note="the enterprise its contact fields; officers also the class")
register_page("/enterprises", N_("Enterprises"), roles=STAFF, order=36, match=("/enterprises",))
MAX_UPLOAD = 20 << 20  # 20 MiB: a county's registry as XLSX fits many times over


def _list(session, principal: Principal, region: str, q: str | None, offset: int) -> dict:
    from fugong.enterprises.service import list_enterprises

    if principal.role not in ("officer", "province_admin"):
        raise AccessDenied("registry lists are for officers")
    data = list_enterprises(session, principal, region_prefix=region, query=q, limit=100, offset=offset)
    return {**data, "region_prefix": region or principal.region_prefix, "q": q or "", "offset": offset}


@router.get("/api/enterprises")
def enterprises_json(request: Request, region: str = Query("", max_length=6), q: str | None = Query(None, max_length=80),
                     offset: int = Query(0, ge=0), principal: Principal = Depends(REGISTRY)) -> dict:
    return run(request, lambda s: _list(s, principal, region, q, offset))


@router.get("/enterprises", include_in_schema=False)
def enterprises_page(request: Request, region: str = Query("", max_length=6), q: str | None = Query(None, max_length=80),
                     offset: int = Query(0, ge=0), principal: Principal = Depends(REGISTRY)):
    data = run(request, lambda s: _list(s, principal, region, q, offset))
    return page(request, principal, "enterprises/list.html", {"data": data})


def _profile(session, principal: Principal, enterprise_id: str) -> dict:
    from fugong.enterprises.service import get_enterprise, view, white_lists_on
    from fugong.resumption.filings import enterprise_filings

    enterprise = get_enterprise(session, principal, enterprise_id)
    lists = [w.name for w in white_lists_on(session, enterprise_id, dt.date.today())]
    return {"enterprise": view(enterprise, white_lists=lists),
            "filings": enterprise_filings(session, principal, enterprise_id=enterprise_id)}


@router.get("/api/enterprises/{enterprise_id}")
def enterprise_json(request: Request, enterprise_id: str, principal: Principal = Depends(PROFILE_READERS)) -> dict:
    return run(request, lambda s: _profile(s, principal, enterprise_id))


@router.get("/enterprises/{enterprise_id}", include_in_schema=False)
def enterprise_page(request: Request, enterprise_id: str, principal: Principal = Depends(PROFILE_READERS)):
    from fugong.enterprises.models import FLAGS, SIZE_CLASSES
    from fugong.risk.measures import ENTERPRISE_CLASSES

    data = run(request, lambda s: _profile(s, principal, enterprise_id))
    return page(request, principal, "enterprises/profile.html", {
        "data": data, "size_classes": SIZE_CLASSES, "flags": FLAGS,
        "classes": {k: v for k, v in ENTERPRISE_CLASSES.items() if k != "white_list"}})


@router.post("/enterprises/{enterprise_id}/profile")
def enterprise_update(request: Request, enterprise_id: str, principal: Principal = Depends(PROFILE_EDITORS),
                      name: str | None = Form(None, max_length=200), address: str | None = Form(None, max_length=500),
                      latitude: str | None = Form(None, max_length=20), longitude: str | None = Form(None, max_length=20),
                      industry_code: str | None = Form(None, max_length=8), size_class: str | None = Form(None, max_length=8),
                      above_scale: str | None = Form(None, max_length=5), contact_email: str | None = Form(None, max_length=200),
                      enterprise_class: str | None = Form(None, max_length=24), reason: str = Form("", max_length=500)):
    """Edit the profile; an enterprise edits its own contact fields, officers also the class."""
    from fugong.enterprises.service import update_enterprise, view

    given = {"name": name, "address": address, "latitude": latitude, "longitude": longitude,
             "industry_code": industry_code, "size_class": size_class, "above_scale": above_scale,
             "contact_email": contact_email, "enterprise_class": enterprise_class}
    changes = {k: v for k, v in given.items() if v is not None}
    if "latitude" in changes or "longitude" in changes:
        changes.setdefault("latitude", None)
        changes.setdefault("longitude", None)

    def work(session):
        return {"enterprise": view(update_enterprise(session, principal, enterprise_id=enterprise_id, reason=reason,
                                                     **changes))}

    return post_result(request, principal, work, location=lambda _: f"/enterprises/{enterprise_id}",
                       back=f"/enterprises/{enterprise_id}")


async def save_upload(upload: UploadFile) -> Path:
    """The upload in a temporary file with its suffix (readers pick the format by it), size-limited."""
    suffix = Path(upload.filename or "upload.csv").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"{upload.filename}: accepted are .csv and .xlsx files / 仅支持 CSV 与 XLSX")
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ValueError(f"{upload.filename}: larger than {MAX_UPLOAD >> 20} MiB")
    folder = Path(tempfile.mkdtemp(prefix="fugong-upload-"))
    path = folder / (Path(upload.filename or "upload").stem[:80] + suffix)
    path.write_bytes(data)
    return path


@router.post("/enterprises/import")
async def enterprises_import(request: Request, file: UploadFile = File(...), replace: bool = Form(False),
                             principal: Principal = Depends(REGISTRY)):
    """Officers upload a registry file; the answer lists the rejected rows (row, field, reason)."""
    from fugong.enterprises.importer import import_enterprises
    from fugong.workflow.web import ServiceError, wants_json

    if principal.role not in ("officer", "province_admin"):
        return JSONResponse({"detail": "access denied / 无权访问"}, status_code=403)
    try:
        path = await save_upload(file)
    except ValueError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    settings = request.app.state.settings

    def work(session):
        result = import_enterprises(session, principal, path=path, replace=replace, rejects_dir=settings.rejects_dir)
        answer = result.as_dict()
        answer["file"] = file.filename  # not the server's temporary path
        answer.pop("rejects_path")  # the rows are in the answer; the server's file system is not
        return answer

    try:
        result = run(request, work, writes=True)
    except ServiceError as exc:
        return JSONResponse(exc.body, status_code=exc.status_code)
    finally:
        import shutil

        shutil.rmtree(path.parent, ignore_errors=True)
    if wants_json(request):
        return JSONResponse(result)
    return page(request, principal, "enterprises/imported.html", {"result": result})
