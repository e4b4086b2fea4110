"""Open311 GeoReport v2 over the desk (http://wiki.open311.org/GeoReport_v2): the service list, service
definitions with attribute forms, POST and GET requests, tokens, and FixMyStreet's request updates.

Mapping::

    service            a desk category (service_code = category key, group = its group)
    service request    a demand (service_request_id = the demand's id, as a string)
    status             open | closed (closed: resolved, closed, invalid, merged)
    agency_responsible the department the demand was dispatched to
    expected_datetime  the due date, end of the working day (18:00 Asia/Shanghai, with offset)

The lifecycle beyond open/closed is exposed as FixMyStreet and mySociety's open311-adapter do: the
updates feed (``servicerequestupdates``) carries detailed statuses (for_triage, action_scheduled,
in_progress, investigating, fixed, reopen, closed, no_further_action, duplicate) with
``external_status_code`` = the desk state; ``GET requests?extensions=true`` adds an
``extended_attributes`` object (the GeoReport v2 extensions convention).

Who sees what: anyone (unless FUGONG_OPEN311_PUBLIC_READS=false) gets only the public fields —
service_request_id, service_code, service_name, status, status_notes (the state's name, never an
officer's free text), agency_responsible, requested/updated/expected datetimes and ``county_code``
— never the enterprise, its USCC, the text or amounts. An API key bound to a unit sees its region's
demands in full (description, address, lat/long, and region code with vintage and industry as
extensions); a key bound to an enterprise sees that enterprise's demands in full.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, Principal
from fugong.desk import service
from fugong.desk.models import ApiKey, Demand, Unit
from fugong.desk.settings import load_desk_config
from fugong.enterprises.models import Enterprise
from fugong.store.audit import record_change
from fugong.workflow.models import TransitionRow

CLOSED = ("resolved", "closed", "invalid", "merged")
DETAILED = {  # desk state → the detailed status FixMyStreet / open311-adapter use in updates
    "collected": "for_triage", "valid": "open", "dispatched": "action_scheduled", "in_progress": "in_progress",
    "awaiting_enterprise": "investigating", "escalated": "in_progress", "resolved": "fixed", "reopened": "reopen",
    "closed": "closed", "invalid": "no_further_action", "merged": "duplicate",
}
PUBLIC_FIELDS = ("service_request_id", "status", "status_notes", "service_name", "service_code",
                 "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime", "county_code")
MAX_RANGE = dt.timedelta(days=90)
MAX_RESULTS = 1000
_W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


class Open311Error(Exception):
    """An error answered as the specification's error list: [{"code": 400, "description": "…"}]."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


@dataclass(frozen=True)
class Client:
    """An authenticated API key: the principal it acts as, and its id for the audit log."""

    key_id: int
    name: str
    principal: Principal


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# --- API keys -----------------------------------------------------------------------------------------

def create_key(session: Session, principal: Principal, *, name: str, unit_code: str | None = None,
               enterprise_id: str | None = None, at: dt.datetime | None = None) -> tuple[ApiKey, str]:
    """A new key bound to a unit or an enterprise; returns (row, the key — shown once, stored hashed)."""
    if principal.role not in ("province_admin", "system"):
        raise AccessDenied(f"{principal.actor} may not create API keys")
    if (unit_code is None) == (enterprise_id is None):
        raise service.DeskError("key", "bind the key to a unit or to an enterprise (one of them)")
    if not name.strip():
        raise service.DeskError("name", "required")
    if unit_code is not None:
        unit = session.get(Unit, unit_code)
        if unit is None:
            raise service.DeskError("unit", f"unknown unit {unit_code}")
        region = unit.region_code
    else:
        enterprise = session.get(Enterprise, enterprise_id)
        if enterprise is None:
            raise service.DeskError("enterprise", f"{enterprise_id} is not in the enterprise registry")
        region = enterprise.region_code
    principal.require_region(region)
    raw = "fg311_" + secrets.token_urlsafe(24)
    row = ApiKey(name=name.strip()[:120], key_hash=hash_key(raw), unit_code=unit_code, enterprise_id=enterprise_id,
                 region_prefix=region, created_by=principal.actor, created_at=at or service._now())
    session.add(row)
    session.flush()
    record_change(session, actor=principal.actor, action="desk.api_key.create", entity="desk_api_key",
                  entity_id=str(row.id), region_code=region,
                  after={"name": row.name, "unit": unit_code, "enterprise": enterprise_id})
    return row, raw


def list_keys(session: Session, principal: Principal) -> list[ApiKey]:
    if principal.role not in ("province_admin", "system"):
        raise AccessDenied(f"{principal.actor} may not list API keys")
    return list(session.scalars(select(ApiKey).where(ApiKey.region_prefix.startswith(principal.region_prefix))
                                .order_by(ApiKey.id)))


def revoke_key(session: Session, principal: Principal, *, key_id: int) -> ApiKey:
    if principal.role not in ("province_admin", "system"):
        raise AccessDenied(f"{principal.actor} may not revoke API keys")
    row = session.get(ApiKey, key_id)
    if row is None or not row.region_prefix.startswith(principal.region_prefix):
        raise LookupError(f"no API key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = service._now()
        record_change(session, actor=principal.actor, action="desk.api_key.revoke", entity="desk_api_key",
                      entity_id=str(row.id), region_code=row.region_prefix)
    return row


def authenticate(session: Session, raw: str | None) -> Client | None:
    """The client of a key, or None for no key; Open311Error(403) for a wrong or revoked one."""
    if not raw:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(raw)))
    if row is None or row.revoked_at is not None:
        raise Open311Error(403, "api_key is not valid or was revoked")
    if row.enterprise_id:
        principal = Principal(user_id=f"open311-{row.id}", role="enterprise", region_prefix=row.region_prefix,
                              enterprise_ids=frozenset({row.enterprise_id}))
    else:
        principal = Principal(user_id=f"open311-{row.id}", role="officer", region_prefix=row.region_prefix)
    return Client(key_id=row.id, name=row.name, principal=principal)


# --- jurisdiction, services --------------------------------------------------------------------------

def check_jurisdiction(settings, jurisdiction_id: str | None) -> str:
    """The region prefix the call is about: the deployment's own (jurisdiction_id optional), or the
    one given (required when the deployment names none)."""
    own = getattr(settings, "open311_jurisdiction", None)
    if jurisdiction_id in (None, ""):
        if own:
            return own
        raise Open311Error(400, "jurisdiction_id was not provided (a GB/T 2260 region code)")
    if not re.fullmatch(r"[0-9]{2,6}", jurisdiction_id) or (own and not jurisdiction_id.startswith(own)):
        raise Open311Error(404, f"jurisdiction_id {jurisdiction_id} was not found")
    return jurisdiction_id


def services_list(lang: str = "zh") -> list[dict]:
    config = load_desk_config()
    out = []
    for category in config.categories.values():
        out.append({"service_code": category.key, "service_name": category.name(lang),
                    "description": f"{category.zh} / {category.en}", "metadata": True, "type": "realtime",
                    "keywords": f"{category.zh},{category.en}", "group": category.group})
    return out


def service_definition(code: str) -> dict:
    config = load_desk_config()
    category = config.categories.get(code)
    if category is None:
        raise Open311Error(404, f"service_code {code} was not found")
    attributes = [
        {"variable": True, "code": "enterprise_id", "datatype": "string", "required": False,
         "datatype_description": "企业编号（单位密钥代企业提交时必填；也可用 address_id）",
         "order": 1, "description": "Enterprise id in the registry (unit keys; or give address_id)", "values": []},
        {"variable": True, "code": "policy_ref", "datatype": "string", "required": False,
         "datatype_description": "如：芜湖市十八条 第5条", "order": 2,
         "description": "The policy the demand asks about, if any", "values": []},
    ]
    if category.amounts:
        attributes.append({"variable": True, "code": "amount_yuan", "datatype": "number", "required": False,
                           "datatype_description": "元", "order": 3,
                           "description": "Amount in yuan (loans, funds)", "values": []})
    return {"service_code": category.key, "attributes": attributes}


# --- requests ------------------------------------------------------------------------------------------

def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def w3c(value: dt.datetime | None) -> str | None:
    """A time with an offset, as the specification asks (Asia/Shanghai: +08:00), to the second."""
    return _aware(value).astimezone(service.TZ).replace(microsecond=0).isoformat() if value else None


def parse_w3c(name: str, text: str | None) -> dt.datetime | None:
    if text in (None, ""):
        return None
    if not _W3C.match(text):
        raise Open311Error(400, f"{name} must be a W3C datetime with an offset or Z, e.g. 2020-02-25T00:00:00+08:00")
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _expected(demand: Demand) -> str | None:
    if demand.due_on is None or demand.state in CLOSED:
        return None
    return w3c(dt.datetime.combine(demand.due_on, dt.time(18, 0), tzinfo=service.TZ))


def _may_read_full(client: Client | None, demand: Demand) -> bool:
    if client is None:
        return False
    principal = client.principal
    if principal.role == "enterprise":
        return demand.enterprise_id in principal.enterprise_ids
    return principal.can_see_region(demand.region_code)


def request_view(session: Session, demand: Demand, *, client: Client | None, lang: str, units: dict,
                 extensions: bool = False, last_reason: str | None = None, config=None, states=None) -> dict:
    """One request as Open311 shows it (``demand``: the row, or for a public read a row of
    ``PUBLIC_COLUMNS`` only). A list passes ``config`` and ``states`` read once: each read checks its
    file's mtime, and at 1,000 requests those checks were two thirds of the answer's time."""
    config = config or load_desk_config()
    category = config.categories.get(demand.category)
    state = (states if states is not None else service.machine().states).get(demand.state)
    department = units.get(demand.department)
    row = {
        "service_request_id": str(demand.id),
        "status": "closed" if demand.state in CLOSED else "open",
        "status_notes": f"{state.zh} / {state.en}" if state else demand.state,
        "service_name": category.name(lang) if category else demand.category,
        "service_code": demand.category,
        "agency_responsible": (department[0] if lang == "zh" else department[1]) if department else None,
        "requested_datetime": w3c(demand.created_at),
        "updated_datetime": w3c(demand.updated_at),
        "expected_datetime": _expected(demand),
        "county_code": demand.region_code,
    }
    if _may_read_full(client, demand):
        enterprise = session.get(Enterprise, demand.enterprise_id)
        if last_reason:
            row["status_notes"] = last_reason
        row.update({"description": demand.text, "service_notice": None,
                    "address": demand.address_string or (enterprise.address if enterprise else None),
                    "address_id": demand.enterprise_id, "zipcode": None,
                    "lat": demand.latitude, "long": demand.longitude, "media_url": None})
        if extensions:
            row["extended_attributes"] = {
                "detailed_status": DETAILED.get(demand.state, demand.state), "external_status_code": demand.state,
                "region_code": demand.region_code, "region_vintage": enterprise.region_vintage if enterprise else None,
                "industry_code": enterprise.industry_code if enterprise else None,
                "amount_yuan": float(demand.amount_yuan) if demand.amount_yuan is not None else None}
    elif extensions:
        row["extended_attributes"] = {"detailed_status": DETAILED.get(demand.state, demand.state),
                                      "external_status_code": demand.state}
    return row


PUBLIC_COLUMNS = (Demand.id, Demand.state, Demand.category, Demand.department, Demand.created_at,
                  Demand.updated_at, Demand.due_on, Demand.region_code)


def _units(session: Session) -> dict:
    return {u.code: (u.name_zh, u.name_en) for u in session.scalars(select(Unit))}


def _last_reasons(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(TransitionRow.entity_id, TransitionRow.reason).where(
        TransitionRow.machine == service.machine().name, TransitionRow.entity_id.in_([str(i) for i in ids]),
        TransitionRow.reason.is_not(None)).order_by(TransitionRow.id))
    return {int(entity): reason for entity, reason in rows}


def get_requests(session: Session, *, settings, client: Client | None, params: dict, lang: str = "zh",
                 now: dt.datetime | None = None) -> list[dict]:
    """GET requests: filtered by ids (overriding the rest), service codes, status and a ≤ 90-day window
    (default: the most recent 90 days), newest first, at most 1,000."""
    if client is None and not getattr(settings, "open311_public_reads", True):
        raise Open311Error(403, "public reads are turned off here; an api_key is required")
    prefix = check_jurisdiction(settings, params.get("jurisdiction_id"))
    # A public read shows only public fields: it reads only their columns, as plain rows (1,000 ORM
    # objects built and tracked were most of the answer's time). ``request_view`` reads the same names.
    stmt = select(*PUBLIC_COLUMNS) if client is None else select(Demand)
    stmt = stmt.where(Demand.region_code.startswith(prefix))
    if client is not None and not getattr(settings, "open311_public_reads", True):
        # No public reads: a key reads only what it may read in full (its region, or its enterprise).
        stmt = stmt.where(Demand.region_code.startswith(client.principal.region_prefix))
        if client.principal.role == "enterprise":
            stmt = stmt.where(Demand.enterprise_id.in_(sorted(client.principal.enterprise_ids)))
    ids = params.get("service_request_id")
    if ids:
        try:
            wanted = [int(part) for part in str(ids).split(",") if part.strip()]
        except ValueError:
            raise Open311Error(400, "service_request_id must be a comma-separated list of ids") from None
        stmt = stmt.where(Demand.id.in_(wanted))
    else:
        codes = [c for c in str(params.get("service_code") or "").split(",") if c]
        if codes:
            stmt = stmt.where(Demand.category.in_(codes))
        statuses = {s for s in str(params.get("status") or "").split(",") if s}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        if statuses == {"open"}:
            stmt = stmt.where(Demand.state.notin_(CLOSED))
        elif statuses == {"closed"}:
            stmt = stmt.where(Demand.state.in_(CLOSED))
        start, end = parse_w3c("start_date", params.get("start_date")), parse_w3c("end_date", params.get("end_date"))
        now = now or _default_now(settings)
        if start and end and end - start > MAX_RANGE:
            raise Open311Error(400, "start_date and end_date may not span more than 90 days")
        end = end or (start + MAX_RANGE if start else now)
        start = start or end - MAX_RANGE
        stmt = stmt.where(Demand.created_at >= start, Demand.created_at <= end)
    stmt = stmt.order_by(Demand.created_at.desc(), Demand.id.desc()).limit(MAX_RESULTS)
    demands = session.execute(stmt).all() if client is None else list(session.scalars(stmt))
    units = _units(session)
    extensions = str(params.get("extensions", "")).lower() in ("1", "true", "yes")
    full = [d.id for d in demands if _may_read_full(client, d)]
    reasons = _last_reasons(session, full)
    config, states = load_desk_config(), service.machine().states
    return [request_view(session, d, client=client, lang=lang, units=units, extensions=extensions,
                         last_reason=reasons.get(d.id), config=config, states=states) for d in demands]


def _default_now(settings) -> dt.datetime:
    as_of = getattr(settings, "as_of", None)
    if as_of:  # the demo's "today"
        return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(0), tzinfo=service.TZ)
    return service._now()


def get_request(session: Session, *, settings, client: Client | None, request_id: str, params: dict,
                lang: str = "zh") -> list[dict]:
    if not request_id.isdigit():
        raise Open311Error(404, f"service_request_id {request_id} was not found")
    found = get_requests(session, settings=settings, client=client, lang=lang,
                         params={"service_request_id": request_id, "jurisdiction_id": params.get("jurisdiction_id"),
                                 "extensions": params.get("extensions", "true" if client else "")})
    if not found:
        raise Open311Error(404, f"service_request_id {request_id} was not found")
    return found


def post_request(session: Session, *, settings, client: Client | None, params: dict, attributes: dict) -> list[dict]:
    """POST requests: a key is required; the location names the enterprise (address_id = enterprise id,
    or lat/long / address_string for an enterprise key; a unit key names the enterprise by address_id
    or attribute[enterprise_id]). Answers [{service_request_id, service_notice, account_id}]."""
    if client is None:
        raise Open311Error(403, "api_key is required to post a service request")
    prefix = check_jurisdiction(settings, params.get("jurisdiction_id"))
    code = params.get("service_code")
    if not code:
        raise Open311Error(400, "service_code was not provided")
    config = load_desk_config()
    if code not in config.categories:
        raise Open311Error(404, f"service_code {code} was not found")
    principal = client.principal
    enterprise_id = attributes.get("enterprise_id") or params.get("address_id")
    if principal.role == "enterprise":
        own = next(iter(principal.enterprise_ids))
        if enterprise_id and enterprise_id != own:
            raise Open311Error(403, "this api_key posts for its own enterprise only")
        enterprise_id = own
    if not enterprise_id:
        raise Open311Error(400, "name the enterprise: address_id (its registered address) or attribute[enterprise_id]")
    lat, long_ = params.get("lat"), params.get("long")
    if not (params.get("address_string") or params.get("address_id") or (lat and long_)):
        if principal.role != "enterprise" and not attributes.get("enterprise_id"):
            raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    try:
        latitude = float(lat) if lat not in (None, "") else None
        longitude = float(long_) if long_ not in (None, "") else None
    except ValueError:
        raise Open311Error(400, "lat and long must be numbers (WGS84)") from None
    if (latitude is None) != (longitude is None):
        raise Open311Error(400, "lat and long go together")
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None or not enterprise.region_code.startswith(prefix) \
            or not principal.can_see_region(enterprise.region_code):
        raise Open311Error(404, f"address_id {enterprise_id} was not found")
    description = (params.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "description was not provided")
    try:
        demand = service.submit_demand(
            session, principal, enterprise_id=enterprise_id, category=code, text=description[:service.MAX_TEXT],
            amount_yuan=attributes.get("amount_yuan"), policy_ref=attributes.get("policy_ref"), source="open311",
            contact_unit=_unit_of_key(session, client), address_string=params.get("address_string"),
            latitude=latitude, longitude=longitude)
    except service.DeskError as error:
        raise Open311Error(400, f"{error.field}: {error.message}") from None
    except AccessDenied:
        raise Open311Error(403, "this api_key may not post for that enterprise") from None
    category = config.category(code)
    notice = (f"已收到，将在分派后 {category.due_workdays} 个工作日内办理 / received; handled within "
              f"{category.due_workdays} working days of dispatch")
    return [{"service_request_id": str(demand.id), "service_notice": notice, "account_id": None}]


def _unit_of_key(session: Session, client: Client) -> str | None:
    row = session.get(ApiKey, client.key_id)
    return row.unit_code if row else None


def token(session: Session, *, settings, token_id: str, params: dict) -> list[dict]:
    """Requests are created in real time, so a token is the request id itself (the endpoint exists for
    clients that always ask)."""
    prefix = check_jurisdiction(settings, params.get("jurisdiction_id"))
    demand = session.get(Demand, int(token_id)) if token_id.isdigit() else None
    if demand is None or not demand.region_code.startswith(prefix):
        raise Open311Error(404, f"token {token_id} was not found")
    return [{"service_request_id": token_id, "token": token_id}]


def request_updates(session: Session, *, settings, client: Client | None, params: dict) -> list[dict]:
    """FixMyStreet's servicerequestupdates: one update per transition in [start_date, end_date] (both
    optional; at most 90 days), with the detailed status and external_status_code. Public callers get
    the state's name as description; key holders get the officer's note for demands they may read."""
    if client is None and not getattr(settings, "open311_public_reads", True):
        raise Open311Error(403, "public reads are turned off here; an api_key is required")
    prefix = check_jurisdiction(settings, params.get("jurisdiction_id"))
    start, end = parse_w3c("start_date", params.get("start_date")), parse_w3c("end_date", params.get("end_date"))
    now = _default_now(settings)
    end = end or (start + MAX_RANGE if start else now)
    start = start or end - MAX_RANGE
    if end - start > MAX_RANGE:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    t = TransitionRow
    rows = session.execute(select(t, Demand).join(Demand, Demand.id == t.entity_id.cast(Demand.id.type))
                           .where(t.machine == service.machine().name, t.action != "create",
                                  t.region_code.startswith(prefix), t.at >= start, t.at <= end)
                           .order_by(t.at, t.id).limit(MAX_RESULTS)).all()
    machine = service.machine()
    out = []
    for row, demand in rows:
        state = machine.states.get(row.to_state)
        full = _may_read_full(client, demand)
        out.append({"update_id": str(row.id), "service_request_id": str(demand.id),
                    "status": DETAILED.get(row.to_state, row.to_state), "external_status_code": row.to_state,
                    "updated_datetime": w3c(row.at),
                    "description": (row.reason if full and row.reason else f"{state.zh} / {state.en}" if state else row.to_state),
                    "media_url": None})
    return out


def discovery(base_url: str) -> dict:
    return {"changeset": "2020-02-25T00:00:00+08:00", "contact": "fugong demand desk 企业诉求办理",
            "key_service": "API keys: fugong desk api-key create --name NAME (--unit CODE | --enterprise ID)",
            "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": f"{base_url}/open311/v2",
                           "changeset": "2020-02-25T00:00:00+08:00", "type": "production",
                           "formats": ["text/xml", "application/json"]}]}

