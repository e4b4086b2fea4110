"""Open311 GeoReport v2 routes (``/open311/v2/…``, ``/open311/discovery.json``) in JSON and XML.

Answers are what the specification shows: top-level arrays in JSON, ``<services>`` /
``<service_requests>`` / ``<service_definition>`` / ``<errors>`` roots in XML, identifiers as strings,
times with an offset; ``Content-Type: application/json; charset=utf-8`` or ``text/xml; charset=utf-8``.
Errors are ``[{"code": 400, "description": "…"}]`` with the same HTTP status. The service functions are
in ``fugong.desk.open311``.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from fugong.accounts.guard import public
from fugong.accounts.web import db_engine
from fugong.desk import open311
from fugong.desk.open311 import Open311Error
from fugong.store.db import session_scope, write_lock

router = APIRouter(tags=["open311"])
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
ROOTS = {"services": ("services", "service"), "requests": ("service_requests", "request"),
         "updates": ("service_request_updates", "request_update"), "errors": ("errors", "error")}
LIST_ITEMS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}

# Open311 has no sessions: a client is who its API key says (``fugong desk api-key create``), checked by
# the service on every call (fugong.desk.open311.authenticate). Reads without a key answer public fields
# only, as on every Open311 server (FUGONG_OPEN311_PUBLIC_READS=false requires a key); a write needs a key.
CATALOGUE = public("Open311 discovery and service list: the desk's categories and formats, no demand data")
PUBLIC_READ = public("Open311 read: without an API key public fields only (no firm, text or amount); a key "
                     "issued to a unit or enterprise widens it to that unit's region or that firm (open311.authenticate)")
KEYED_WRITE = public("Open311 write: refused (403) without an API key issued to a unit or enterprise; the key's "
                     "unit region or firm bounds what it may post (open311.authenticate, open311.post_request)")


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _element(parent: ET.Element, tag: str, value) -> None:
    node = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            _element(node, key, inner)
    elif isinstance(value, list):
        item = LIST_ITEMS.get(tag, "item")
        for inner in value:
            _element(node, item, inner)
    else:
        node.text = _text(value)


def to_xml(kind: str, payload) -> bytes:
    if kind == "definition":
        root = ET.Element("service_definition")
        for key, value in payload.items():
            _element(root, key, value)
    elif kind == "discovery":
        root = ET.Element("discovery")
        for key, value in payload.items():
            _element(root, key, value)
    else:
        outer, inner = ROOTS[kind]
        root = ET.Element(outer)
        for row in payload:
            node = ET.SubElement(root, inner)
            for key, value in row.items():
                _element(node, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")


def answer(kind: str, payload, fmt: str, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(kind, payload), status_code=status, media_type=FORMATS["xml"])
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type=FORMATS["json"])


def error(fmt: str, status: int, description: str) -> Response:
    return answer("errors", [{"code": status, "description": description}], fmt if fmt in FORMATS else "json", status)


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.app.state.settings.language
    return lang if lang in ("zh", "en") else "zh"


def _run(request: Request, fmt: str, kind: str, work, *, write: bool = False, status: int = 200) -> Response:
    if fmt not in FORMATS:
        return error("json", 404, f"format {fmt} is not served (json, xml)")
    engine = db_engine(request.app)
    try:
        if write:
            with write_lock(engine), session_scope(engine) as session:
                payload = work(session)
        else:
            with session_scope(engine) as session:
                payload = work(session)
    except Open311Error as failure:
        return error(fmt, failure.status, failure.description)
    return answer(kind, payload, fmt, status)


def _client(session, key: str | None):
    return open311.authenticate(session, key)


@router.get("/open311/discovery.{fmt}", include_in_schema=False, dependencies=[Depends(CATALOGUE)])
def discovery(request: Request, fmt: str):
    base = str(request.base_url).rstrip("/")
    if fmt not in FORMATS:
        return error("json", 404, f"format {fmt} is not served (json, xml)")
    return answer("discovery", open311.discovery(base), fmt)


@router.get("/open311/v2/services.{fmt}", dependencies=[Depends(CATALOGUE)])
def services(request: Request, fmt: str, jurisdiction_id: str | None = None):
    settings = request.app.state.settings

    def work(session):
        open311.check_jurisdiction(settings, jurisdiction_id)
        return open311.services_list(_lang(request))

    return _run(request, fmt, "services", work)


@router.get("/open311/v2/services/{service_code}.{fmt}", dependencies=[Depends(CATALOGUE)])
def service_definition(request: Request, service_code: str, fmt: str, jurisdiction_id: str | None = None):
    settings = request.app.state.settings

    def work(session):
        open311.check_jurisdiction(settings, jurisdiction_id)
        return open311.service_definition(service_code)

    return _run(request, fmt, "definition", work)


@router.get("/open311/v2/requests.{fmt}", dependencies=[Depends(PUBLIC_READ)])
def get_requests(request: Request, fmt: str):
    settings, params = request.app.state.settings, dict(request.query_params)

    def work(session):
        client = _client(session, params.get("api_key"))
        return open311.get_requests(session, settings=settings, client=client, params=params, lang=_lang(request))

    return _run(request, fmt, "requests", work)


@router.post("/open311/v2/requests.{fmt}", dependencies=[Depends(KEYED_WRITE)])
async def post_request(request: Request, fmt: str):
    settings = request.app.state.settings
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        if not request.query_params.get("api_key"):
            return error(fmt, 403, "api_key is required to post a service request")
        return error(fmt, 400, "send the request as application/x-www-form-urlencoded")
    form = await request.form()
    params = {k: v for k, v in form.items() if isinstance(v, str) and not k.startswith("attribute[")}
    attributes = {k[len("attribute["):-1]: v for k, v in form.items() if k.startswith("attribute[") and k.endswith("]")}

    def work(session):
        client = _client(session, params.get("api_key"))
        return open311.post_request(session, settings=settings, client=client, params=params, attributes=attributes)

    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_run, request, fmt, "requests", work, write=True)


@router.get("/open311/v2/requests/{request_id}.{fmt}", dependencies=[Depends(PUBLIC_READ)])
def get_request(request: Request, request_id: str, fmt: str):
    settings, params = request.app.state.settings, dict(request.query_params)

    def work(session):
        client = _client(session, params.get("api_key"))
        return open311.get_request(session, settings=settings, client=client, request_id=request_id, params=params,
                                   lang=_lang(request))

    return _run(request, fmt, "requests", work)


@router.get("/open311/v2/tokens/{token_id}.{fmt}", dependencies=[Depends(PUBLIC_READ)])
def token(request: Request, token_id: str, fmt: str):
    settings, params = request.app.state.settings, dict(request.query_params)
    return _run(request, fmt, "requests",
                lambda session: open311.token(session, settings=settings, token_id=token_id, params=params))


@router.get("/open311/v2/servicerequestupdates.{fmt}", dependencies=[Depends(PUBLIC_READ)])
def updates(request: Request, fmt: str):
    settings, params = request.app.state.settings, dict(request.query_params)

    def work(session):
        client = _client(session, params.get("api_key"))
        return open311.request_updates(session, settings=settings, client=client, params=params)

    return _run(request, fmt, "updates", work)
