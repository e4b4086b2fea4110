"""Enterprise registry services: plain keyword-only functions over a session, scoped by principal.

Who may do what:

- an ``enterprise`` user registers and edits its own enterprise only (the one of its account); the
  USCC is required when an enterprise registers itself; class, key flags and white lists are the
  officers' to set;
- ``officer`` / ``province_admin`` / ``system`` register and edit enterprises of their region
  prefix (moving one to another region needs both regions in scope);
- a ``service_officer`` reads its paired enterprises; nobody else reads an enterprise.

Every change is audited in the caller's transaction. ``enterprise_region`` is THE answer to "where
is this enterprise" for access checks: the registry first, the meter store's enterprises table for
firms known only from meter data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, OutOfScope, Principal
from fugong.enterprises.models import FLAGS, SIZE_CLASSES, SOURCES, Enterprise, WhiteList, WhiteListEntry
from fugong.store.audit import record_change

ENTERPRISE_ID = re.compile(r"^[0-9A-Za-z-]{1,40}$")  # as accounts.service.ENTERPRISE_ID
STAFF_ROLES = ("officer", "province_admin", "system")
READ_ROLES = STAFF_ROLES + ("enterprise", "service_officer", "department")
SELF_EDITABLE = ("name", "address", "latitude", "longitude", "industry_code", "above_scale", "size_class",
                 "contact_email")
OFFICER_EDITABLE = SELF_EDITABLE + ("region_code", "region_vintage", "uscc", "enterprise_class", *FLAGS)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class EnterpriseError(ValueError):
    """Bad enterprise data; ``field`` names the field (import rejects use it)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# --- validation -----------------------------------------------------------------------------------

def normalise_uscc(value: str | None) -> str | None:
    """A valid USCC or None for empty; EnterpriseError('uscc', reason) otherwise (GB 32100-2015)."""
    from fugong.reference import uscc

    if value is None or str(value).strip() == "":
        return None
    try:
        uscc.validate(str(value))
    except uscc.UsccError as exc:
        raise EnterpriseError("uscc", str(exc)) from None
    return str(value)


def region_with_vintage(code: str, vintage: str | None = None) -> tuple[str, str]:
    """(county code, vintage): a GB/T 2260 county code known to the given vintage, or to any shipped
    one (data carries the codes of its own year: 330103 下城区 exists in 2020, not in 2021)."""
    from fugong.reference import regions

    text = str(code or "").strip()
    if not re.fullmatch(r"\d{6}", text):
        raise EnterpriseError("region_code", f"{text!r} is not a six-digit GB/T 2260 code 行政区划代码应为6位数字")
    found = regions.find(text, vintage=vintage) if vintage else regions.find_in_any_vintage(text)
    if found is None:
        where = f" in vintage {vintage}" if vintage else ""
        raise EnterpriseError("region_code", f"unknown region code {text}{where} (GB/T 2260) 行政区划代码无效")
    if found.level != "county":
        raise EnterpriseError("region_code", f"{text} {found.name} is a {found.level}; an enterprise operates in a county "
                                             "(区县级代码)")
    return text, found.vintage


def normalise_industry(value: str | None) -> str | None:
    from fugong.reference.industries import UnknownIndustry, section_of

    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip().upper()
    try:
        section_of(text)
    except UnknownIndustry as exc:
        raise EnterpriseError("industry_code", str(exc)) from None
    return text


def _bool(field: str, value) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("", "none"):
        return None
    if text in ("1", "true", "yes", "y", "是", "√", "规上"):
        return True
    if text in ("0", "false", "no", "n", "否", "规下"):
        return False
    raise EnterpriseError(field, f"{value!r} is not yes/no (是/否, 1/0, true/false)")


def _float(field: str, value, low: float, high: float) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise EnterpriseError(field, f"{value!r} is not a number") from None
    if not (low <= number <= high):
        raise EnterpriseError(field, f"{number} is outside {low}…{high}")
    return number


def clean_fields(fields: dict) -> dict:
    """Validated, normalised enterprise fields (only those given); EnterpriseError names the field."""
    from fugong.risk.measures import ENTERPRISE_CLASSES

    out: dict = {}
    for key, value in fields.items():
        if key == "uscc":
            out[key] = normalise_uscc(value)
        elif key == "name":
            text = str(value or "").strip()
            if not text or len(text) > 200:
                raise EnterpriseError("name", "a name of 1–200 characters is required 企业名称必填")
            out[key] = text
        elif key == "address":
            out[key] = str(value or "").strip()[:500]
        elif key == "latitude":
            out[key] = _float(key, value, -90, 90)
        elif key == "longitude":
            out[key] = _float(key, value, -180, 180)
        elif key == "industry_code":
            out[key] = normalise_industry(value)
        elif key == "above_scale":
            out[key] = _bool(key, value)
        elif key == "size_class":
            text = str(value or "").strip().lower() or None
            by_zh = {zh: code for code, (zh, _) in SIZE_CLASSES.items()}
            text = by_zh.get(text, text) if text else None
            if text is not None and text not in SIZE_CLASSES:
                raise EnterpriseError(key, f"{value!r}: accepted values are {', '.join(SIZE_CLASSES)} (大型/中型/小型/微型)")
            out[key] = text
        elif key == "enterprise_class":
            text = str(value or "").strip() or "industrial"
            if text not in ENTERPRISE_CLASSES or text == "white_list":
                allowed = ", ".join(c for c in ENTERPRISE_CLASSES if c != "white_list")
                raise EnterpriseError(key, f"{value!r}: accepted values are {allowed} (white_list comes from the white "
                                           "lists, not from the enterprise's own class)")
            out[key] = text
        elif key in FLAGS:
            out[key] = bool(_bool(key, value))
        elif key == "contact_email":
            text = str(value or "").strip() or None
            if text is not None and not EMAIL.match(text):
                raise EnterpriseError(key, f"{text!r} is not an e-mail address")
            out[key] = text
        elif key in ("region_code", "region_vintage", "enterprise_id", "source"):
            out[key] = value
        else:
            raise EnterpriseError(key, "unknown field")
    if "region_code" in out:
        out["region_code"], out["region_vintage"] = region_with_vintage(out["region_code"], out.get("region_vintage"))
    if (out.get("latitude") is None) != (out.get("longitude") is None) and ("latitude" in out or "longitude" in out):
        raise EnterpriseError("latitude", "give both latitude and longitude, or neither 经纬度须成对填写")
    return out


# --- reading --------------------------------------------------------------------------------------

def view(enterprise: Enterprise, *, white_lists: Iterable[str] = ()) -> dict:
    """What pages and JSON show of an enterprise (no personal data is held here)."""
    from fugong.risk.measures import ENTERPRISE_CLASSES
    from fugong.reference import regions

    region = regions.find_in_any_vintage(enterprise.region_code)
    return {
        "enterprise_id": enterprise.enterprise_id,
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "region_code": enterprise.region_code,
        "region_vintage": enterprise.region_vintage,
        "region_name": region.name if region else "",
        "address": enterprise.address,
        "latitude": enterprise.latitude,
        "longitude": enterprise.longitude,
        "industry_code": enterprise.industry_code,
        "above_scale": enterprise.above_scale,
        "size_class": enterprise.size_class,
        "enterprise_class": enterprise.enterprise_class,
        "enterprise_class_zh": ENTERPRISE_CLASSES.get(enterprise.enterprise_class, ("",))[0],
        "flags": [flag for flag in FLAGS if getattr(enterprise, flag)],
        "contact_email": enterprise.contact_email,
        "white_lists": list(white_lists),
        "source": enterprise.source,
        "updated_at": enterprise.updated_at.isoformat() if enterprise.updated_at else None,
    }


def _require_reader(principal: Principal) -> None:
    if principal.role not in READ_ROLES:
        raise AccessDenied(f"{principal.actor} may not read enterprises")


def get_enterprise(session: Session, principal: Principal, enterprise_id: str) -> Enterprise:
    """The enterprise, if the principal may see it (LookupError if unknown, OutOfScope — 404 — for another region or enterprise)."""
    return scoped(principal, enterprise_id, lambda: session.get(Enterprise, enterprise_id))


def scoped(principal: Principal, enterprise_id: str, load) -> Enterprise:
    """``get_enterprise``'s checks around ``load()`` (the enterprise or None): a batch passes a look-up
    in what it has already read."""
    _require_reader(principal)
    if principal.role in ("enterprise", "service_officer") and enterprise_id not in principal.enterprise_ids:
        raise OutOfScope(f"{principal.actor} may not access enterprise {enterprise_id}")
    enterprise = load()
    if enterprise is None:
        raise LookupError(f"no enterprise {enterprise_id} 无此企业")
    principal.require_enterprise(enterprise.enterprise_id, enterprise.region_code)
    return enterprise


def names_of(session: Session, enterprise_ids: Iterable[str]) -> dict[str, str]:
    """{enterprise_id: registered name} of the ids that are registered (in slices of 500 parameters).
    No access check: for lists whose rows the caller has already scoped."""
    ids = sorted(set(enterprise_ids))
    return {eid: name for start in range(0, len(ids), 500) for eid, name in session.execute(
        select(Enterprise.enterprise_id, Enterprise.name).where(Enterprise.enterprise_id.in_(ids[start:start + 500])))}


def find_by_uscc(session: Session, uscc: str) -> Enterprise | None:
    return session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))


def list_enterprises(session: Session, principal: Principal, *, region_prefix: str = "", query: str | None = None,
                     enterprise_class: str | None = None, limit: int = 50, offset: int = 0) -> dict:
    """{"count", "rows": [view…]} of the enterprises the principal may see, by id."""
    _require_reader(principal)
    stmt = select(Enterprise)
    if principal.role in ("enterprise", "service_officer"):
        stmt = stmt.where(Enterprise.enterprise_id.in_(sorted(principal.enterprise_ids)))
    else:
        prefix = region_prefix if region_prefix.startswith(principal.region_prefix) else principal.region_prefix
        if not region_prefix.startswith(principal.region_prefix) and not principal.region_prefix.startswith(region_prefix):
            raise AccessDenied(f"{principal.actor} may not list region {region_prefix}")
        stmt = stmt.where(Enterprise.region_code.startswith(prefix))
    if query:
        like = f"%{query.strip()}%"
        stmt = stmt.where(or_(Enterprise.name.like(like), Enterprise.enterprise_id == query.strip(),
                              Enterprise.uscc == query.strip()))
    if enterprise_class:
        stmt = stmt.where(Enterprise.enterprise_class == enterprise_class)
    count = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.order_by(Enterprise.enterprise_id).limit(max(1, min(limit, 500))).offset(max(0, offset)))
    return {"count": count, "rows": [view(e) for e in rows]}


# --- where an enterprise is (for access checks) ------------------------------------------------------

_METER_REGIONS: dict = {}


def _meter_region(settings, enterprise_id: str) -> str | None:
    """The region code of an enterprise in the meter store's enterprises table (cached per file version)."""
    import pyarrow.compute as pc

    from fugong.index import store
    from fugong.store.files import file_stamp

    path = store.enterprises_path(settings)  # None until meter data names enterprises
    stamp = None if path is None else file_stamp(path)
    if stamp is None:
        return None
    cached = _METER_REGIONS.get(str(path))
    if cached is None or cached[0] != stamp:
        import pyarrow.parquet as pq

        table = pq.read_table(path, columns=["enterprise_id", "region_code"])
        ids = table["enterprise_id"].cast("string").combine_chunks()
        codes = table["region_code"].cast("string").combine_chunks()
        cached = _METER_REGIONS[str(path)] = (stamp, ids, codes)
    _, ids, codes = cached
    index = pc.index(ids, enterprise_id).as_py()
    return None if index < 0 else codes[index].as_py()


def enterprise_region(session: Session, enterprise_id: str, *, settings=None) -> str | None:
    """The GB/T 2260 county code where an enterprise operates, or None if nobody knows it.

    The registry is the source; an enterprise known only from meter data (not yet in the registry)
    falls back to the meter store's enterprises table (``settings``: the process settings by default).
    Access checks call this: ``principal.require_enterprise(eid, enterprise_region(session, eid))``.
    """
    code = session.scalar(select(Enterprise.region_code).where(Enterprise.enterprise_id == enterprise_id))
    if code is not None:
        return code
    if settings is None:
        from fugong.config import get_settings

        settings = get_settings()
    return _meter_region(settings, enterprise_id)


# --- writing --------------------------------------------------------------------------------------

def _snapshot(enterprise: Enterprise) -> dict:
    return {key: getattr(enterprise, key) for key in ("uscc", "name", *OFFICER_EDITABLE)}


def _check_unique_uscc(session: Session, uscc: str | None, enterprise_id: str) -> None:
    if uscc is None:
        return
    holder = session.scalar(select(Enterprise.enterprise_id).where(Enterprise.uscc == uscc))
    if holder is not None and holder != enterprise_id:
        raise EnterpriseError("uscc", f"{uscc} is already registered to another enterprise 该统一社会信用代码已被其他企业登记")


def register_enterprise(session: Session, principal: Principal, *, enterprise_id: str | None = None,
                        source: str | None = None, at: dt.datetime | None = None, **fields) -> Enterprise:
    """Add an enterprise to the registry (see the module docstring for who may).

    ``enterprise_id`` defaults to the USCC (a firm not in the meter data has no other id yet).
    Raises EnterpriseError naming the field, AccessDenied, or ValueError if it exists already.
    """
    if principal.role == "enterprise":
        if not fields.get("uscc"):
            raise EnterpriseError("uscc", "required when an enterprise registers itself 企业自主登记须填写统一社会信用代码")
        own = sorted(principal.enterprise_ids)
        enterprise_id = enterprise_id or (own[0] if len(own) == 1 else None)
        if enterprise_id not in principal.enterprise_ids:
            raise AccessDenied(f"{principal.actor} may register its own enterprise only")
        locked = [k for k in fields if k not in SELF_EDITABLE + ("uscc", "region_code", "region_vintage")]
        if locked:
            raise AccessDenied(f"{principal.actor} may not set {', '.join(locked)} (officers do)")
        source = "self"
    elif principal.role not in STAFF_ROLES:
        raise AccessDenied(f"{principal.actor} may not register enterprises")
    if "region_code" not in fields:
        raise EnterpriseError("region_code", "required 行政区划代码必填")
    if "name" not in fields:
        raise EnterpriseError("name", "required 企业名称必填")
    values = clean_fields(fields)
    enterprise_id = enterprise_id or values.get("uscc")
    if not enterprise_id or not ENTERPRISE_ID.match(enterprise_id):
        raise EnterpriseError("enterprise_id", f"{enterprise_id!r}: 1–40 letters, digits or - (or give a USCC)")
    principal.require_region(values["region_code"])
    if session.get(Enterprise, enterprise_id) is not None:
        raise ValueError(f"enterprise {enterprise_id} is already registered 企业已登记")
    _check_unique_uscc(session, values.get("uscc"), enterprise_id)
    source = source or ("officer" if principal.role != "system" else "import")
    if source not in SOURCES:
        raise EnterpriseError("source", f"{source!r}: accepted values are {', '.join(SOURCES)}")
    now = at or _now()
    enterprise = Enterprise(enterprise_id=enterprise_id, source=source, created_at=now, updated_at=now,
                            enterprise_class="industrial", essential_supply=False, export=False, listed=False,
                            key_project=False, address="", name="")
    for key, value in values.items():
        setattr(enterprise, key, value)
    session.add(enterprise)
    record_change(session, actor=principal.actor, action="enterprise.register", entity="enterprise",
                  entity_id=enterprise_id, region_code=enterprise.region_code, after=_snapshot(enterprise),
                  reason=f"source {source}")
    session.flush()
    return enterprise


def update_enterprise(session: Session, principal: Principal, *, enterprise_id: str, reason: str = "",
                      **changes) -> Enterprise:
    """Change fields of an enterprise the principal may edit; audited with before and after."""
    enterprise = get_enterprise(session, principal, enterprise_id)
    if principal.role == "enterprise":
        allowed = SELF_EDITABLE + (("uscc",) if enterprise.uscc is None else ())
    elif principal.role in STAFF_ROLES:
        allowed = OFFICER_EDITABLE
    else:
        raise AccessDenied(f"{principal.actor} may not edit enterprises")
    refused = [k for k in changes if k not in allowed]
    if refused:
        raise AccessDenied(f"{principal.actor} may not change {', '.join(refused)}")
    values = clean_fields(changes)
    if "region_code" in values:
        principal.require_region(values["region_code"])
    if "uscc" in values:
        _check_unique_uscc(session, values["uscc"], enterprise_id)
    before = _snapshot(enterprise)
    for key, value in values.items():
        setattr(enterprise, key, value)
    after = _snapshot(enterprise)
    if after == before:
        return enterprise
    enterprise.updated_at = _now()
    changed = {k for k in after if after[k] != before[k]}
    record_change(session, actor=principal.actor, action="enterprise.update", entity="enterprise",
                  entity_id=enterprise_id, region_code=enterprise.region_code,
                  before={k: before[k] for k in changed}, after={k: after[k] for k in changed}, reason=reason or None)
    session.flush()
    return enterprise


# --- white lists ----------------------------------------------------------------------------------

def create_white_list(session: Session, principal: Principal, *, name: str, region_prefix: str,
                      starts_on: dt.date, ends_on: dt.date | None = None) -> WhiteList:
    if principal.role not in STAFF_ROLES:
        raise AccessDenied(f"{principal.actor} may not create white lists")
    if not re.fullmatch(r"\d{2}|\d{4}|\d{6}", region_prefix or ""):
        raise EnterpriseError("region_prefix", f"{region_prefix!r}: a GB/T 2260 prefix of 2, 4 or 6 digits")
    if not region_prefix.startswith(principal.region_prefix):
        raise AccessDenied(f"{principal.actor} may not make a white list for {region_prefix}")
    if ends_on is not None and ends_on < starts_on:
        raise EnterpriseError("ends_on", f"ends {ends_on} before it starts {starts_on}")
    if not name.strip():
        raise EnterpriseError("name", "a white list needs a name")
    white_list = WhiteList(name=name.strip(), region_prefix=region_prefix, starts_on=starts_on, ends_on=ends_on,
                           created_by=principal.actor, created_at=_now())
    session.add(white_list)
    session.flush()
    record_change(session, actor=principal.actor, action="white_list.create", entity="white_list",
                  entity_id=str(white_list.id), region_code=region_prefix,
                  after={"name": white_list.name, "starts_on": starts_on, "ends_on": ends_on})
    return white_list


def add_to_white_list(session: Session, principal: Principal, *, list_id: int, enterprise_ids: Iterable[str],
                      reason: str) -> int:
    """Put enterprises on a list (each must lie inside the list's region and the principal's); returns
    how many were added (already listed ones are skipped: adding twice is a no-op)."""
    if principal.role not in STAFF_ROLES:
        raise AccessDenied(f"{principal.actor} may not change white lists")
    white_list = session.get(WhiteList, list_id)
    if white_list is None or not (white_list.region_prefix.startswith(principal.region_prefix)
                                  or principal.region_prefix.startswith(white_list.region_prefix)):
        raise LookupError(f"no white list {list_id}")
    added = 0
    for enterprise_id in enterprise_ids:
        enterprise = get_enterprise(session, principal, enterprise_id)
        if not enterprise.region_code.startswith(white_list.region_prefix):
            raise EnterpriseError("enterprise_id", f"{enterprise_id} is in {enterprise.region_code}, outside the list's "
                                                   f"region {white_list.region_prefix}")
        exists = session.scalar(select(WhiteListEntry.id).where(WhiteListEntry.list_id == list_id,
                                                                WhiteListEntry.enterprise_id == enterprise_id))
        if exists is not None:
            continue
        session.add(WhiteListEntry(list_id=list_id, enterprise_id=enterprise_id, reason=reason,
                                   added_by=principal.actor, added_at=_now()))
        record_change(session, actor=principal.actor, action="white_list.add", entity="enterprise",
                      entity_id=enterprise_id, region_code=enterprise.region_code,
                      after={"white_list": list_id, "name": white_list.name}, reason=reason)
        added += 1
    session.flush()
    return added


def remove_from_white_list(session: Session, principal: Principal, *, list_id: int, enterprise_id: str,
                           reason: str) -> bool:
    if principal.role not in STAFF_ROLES:
        raise AccessDenied(f"{principal.actor} may not change white lists")
    enterprise = get_enterprise(session, principal, enterprise_id)
    entry = session.scalar(select(WhiteListEntry).where(WhiteListEntry.list_id == list_id,
                                                        WhiteListEntry.enterprise_id == enterprise_id))
    if entry is None:
        return False
    session.delete(entry)
    record_change(session, actor=principal.actor, action="white_list.remove", entity="enterprise",
                  entity_id=enterprise_id, region_code=enterprise.region_code, before={"white_list": list_id},
                  reason=reason)
    session.flush()
    return True


def white_lists_on(session: Session, enterprise_id: str, day: dt.date) -> list[WhiteList]:
    """The white lists an enterprise is on that are current on ``day``."""
    stmt = (select(WhiteList).join(WhiteListEntry, WhiteListEntry.list_id == WhiteList.id)
            .where(WhiteListEntry.enterprise_id == enterprise_id, WhiteList.starts_on <= day,
                   or_(WhiteList.ends_on.is_(None), WhiteList.ends_on >= day))
            .order_by(WhiteList.starts_on))
    return list(session.scalars(stmt))


def white_listed_on(session: Session, enterprise_ids, day: dt.date) -> set[str]:
    """Which of these enterprises are on a white list current on ``day`` (one query per 500 ids)."""
    ids = sorted(set(enterprise_ids))
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        found.update(session.scalars(
            select(WhiteListEntry.enterprise_id).join(WhiteList, WhiteListEntry.list_id == WhiteList.id)
            .where(WhiteListEntry.enterprise_id.in_(ids[start:start + 500]), WhiteList.starts_on <= day,
                   or_(WhiteList.ends_on.is_(None), WhiteList.ends_on >= day))))
    return found


def classes_of(enterprise: Enterprise, white_listed: bool) -> tuple[str, ...]:
    return (enterprise.enterprise_class, "white_list") if white_listed else (enterprise.enterprise_class,)


def classes_on(session: Session, enterprise: Enterprise, day: dt.date) -> tuple[str, ...]:
    """The measures-vocabulary classes an enterprise counts as on ``day``: its own class, plus
    ``white_list`` while it is on a current white list (DESIGN.md §1; issue 13). A measures check
    allows the enterprise if the level allows any of them."""
    return classes_of(enterprise, bool(white_lists_on(session, enterprise.enterprise_id, day)))
