"""The demand desk's services: units and members, demands and every action on them.

Plain keyword-only functions over a session; the caller commits. Every change of a demand goes
through the workflow core (``fugong.workflow.transitions``): checked against machines/demand.toml,
recorded as a ``wf_transition`` row (who, role, when, from, to, reason, data) and audited in the same
transaction; notifications go through the outbox and deadlines become jobs (``fugong.desk.deadlines``).

Who may see a demand (``can_read``):

    province_admin, officer   demands of firms inside their region prefix
    department                inside the prefix, and dispatched to (or collected by) one of their units
    service_officer           demands of firms they are paired with (desk_pairing) or linked to
    enterprise                their own enterprise's demands
    anyone else               nothing

Who may act is the machine's role column plus the guards below (a member of the triage office, of the
department the demand was dispatched to, the enterprise itself).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, OutOfScope, Principal
from fugong.config import TIMEZONE
from fugong.desk import milestones, search
from fugong.desk.calendar import add_workdays, closures_of
from fugong.desk.models import (CHANNELS, SOURCES, Attachment, Contact, Demand, GridArea, GridFirm, Member, Pairing,
                                Round, Unit)
from fugong.desk.settings import DeskConfig, load_desk_config
from fugong.enterprises.models import Enterprise
from fugong.store.audit import record_change
from fugong.workflow import outbox, transitions
from fugong.workflow.machine import Machine, TransitionRefused, load_machine

TZ = ZoneInfo(TIMEZONE)
MACHINE_PATH = Path(__file__).parent / "machines" / "demand.toml"
OPEN_STATES = ("collected", "valid", "dispatched", "in_progress", "awaiting_enterprise", "escalated", "reopened")
WITH_DEPARTMENT = ("dispatched", "in_progress", "awaiting_enterprise", "escalated", "reopened")
MAX_TEXT = 4000
MAX_ATTACHMENT = 5 * 1024 * 1024
ATTACHMENT_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
OUTCOME_AMOUNTS = ("credit_granted_yuan", "loan_approved_yuan", "funds_paid_yuan")


class DeskError(ValueError):
    """Bad input for the desk; ``field`` names what was wrong (pages show it next to the field)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def machine() -> Machine:
    return load_machine(MACHINE_PATH)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def local_day(at: dt.datetime) -> dt.date:
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    return at.astimezone(TZ).date()


# --- units, members, grid areas ------------------------------------------------------------------------

UNIT_KINDS = ("contact", "triage", "department", "town")


def _require_admin(principal: Principal, region_code: str | None = None) -> None:
    if principal.role not in ("province_admin", "system"):
        raise AccessDenied(f"{principal.actor} may not configure the desk")
    if region_code is not None:
        principal.require_region(region_code)


def add_unit(session: Session, principal: Principal, *, code: str, name_zh: str, region_code: str,
             kinds: Iterable[str], name_en: str = "", at: dt.datetime | None = None) -> Unit:
    """A unit of the desk (contact unit, triage office, department, town/street/park — one or several)."""
    _require_admin(principal, region_code)
    kinds = set(kinds)
    if not kinds or kinds - set(UNIT_KINDS):
        raise DeskError("kinds", f"one or more of {', '.join(UNIT_KINDS)} (got {sorted(kinds)})")
    if not code or len(code) > 40:
        raise DeskError("code", "1–40 characters")
    if session.get(Unit, code) is not None:
        raise DeskError("code", f"unit {code} exists already 单位已存在")
    unit = Unit(code=code, name_zh=name_zh, name_en=name_en or name_zh, region_code=region_code,
                is_contact="contact" in kinds, is_triage="triage" in kinds, is_department="department" in kinds,
                is_town="town" in kinds, created_at=at or _now())
    session.add(unit)
    session.info.pop(_UNITS_CACHE, None)
    record_change(session, actor=principal.actor, action="desk.unit.add", entity="desk_unit", entity_id=code,
                  region_code=region_code, after={"name": name_zh, "kinds": sorted(kinds)}, at=at)
    session.flush()
    return unit


def add_member(session: Session, principal: Principal, *, username: str, unit_code: str, head: bool = False) -> Member:
    unit = session.get(Unit, unit_code)
    if unit is None:
        raise DeskError("unit", f"unknown unit {unit_code} 未知单位")
    _require_admin(principal, unit.region_code)
    member = session.scalar(select(Member).where(Member.username == username, Member.unit_code == unit_code))
    if member is None:
        member = Member(username=username, unit_code=unit_code, head=head)
        session.add(member)
    member.head = head
    session.info.pop(_UNITS_CACHE, None)
    record_change(session, actor=principal.actor, action="desk.member.add", entity="desk_unit", entity_id=unit_code,
                  region_code=unit.region_code, after={"username": username, "head": head})
    session.flush()
    return member


_UNITS_CACHE = "desk.units_of"  # session.info key: {username: [Unit]} for this transaction


def units_of(session: Session, username: str) -> list[Unit]:
    """The units a user works in. Asked by every guard of every action (an import of a zone's history
    asks it thousands of times), so remembered for the transaction; add_unit / add_member forget it."""
    cache = session.info.setdefault(_UNITS_CACHE, {})
    if username not in cache:
        cache[username] = list(session.scalars(select(Unit).join(Member, Member.unit_code == Unit.code)
                                               .where(Member.username == username).order_by(Unit.code)))
    return list(cache[username])


def heads_of(session: Session, unit_code: str) -> list[str]:
    return list(session.scalars(select(Member.username).where(Member.unit_code == unit_code, Member.head.is_(True))
                                .order_by(Member.username)))


def members_of(session: Session, unit_code: str) -> list[str]:
    """Usernames working in a unit (remembered for the transaction like ``units_of``)."""
    cache = session.info.setdefault(_UNITS_CACHE, {})
    key = ("members", unit_code)
    if key not in cache:
        cache[key] = list(session.scalars(select(Member.username).where(Member.unit_code == unit_code)
                                          .order_by(Member.username)))
    return list(cache[key])


def add_grid_area(session: Session, principal: Principal, *, code: str, name: str, unit_code: str,
                  region_code: str) -> GridArea:
    unit = session.get(Unit, unit_code)
    if unit is None or not unit.is_contact and not unit.is_town:
        raise DeskError("unit", f"{unit_code} is not a contact unit or town 不是联络单位")
    _require_admin(principal, region_code)
    area = GridArea(code=code, name=name, unit_code=unit_code, region_code=region_code)
    session.add(area)
    record_change(session, actor=principal.actor, action="desk.grid.add", entity="desk_grid_area", entity_id=code,
                  region_code=region_code, after={"name": name, "unit": unit_code})
    session.flush()
    return area


def assign_to_area(session: Session, principal: Principal, *, area_code: str, enterprise_ids: Iterable[str]) -> int:
    """Put enterprises in a grid area (moving them out of any other); returns how many."""
    area = session.get(GridArea, area_code)
    if area is None:
        raise DeskError("area", f"unknown grid area {area_code}")
    _require_admin(principal, area.region_code)
    wanted = list(dict.fromkeys(enterprise_ids))
    current = {row.enterprise_id: row for row in session.scalars(select(GridFirm).where(GridFirm.enterprise_id.in_(wanted)))}
    for enterprise_id in wanted:
        if enterprise_id in current:
            current[enterprise_id].area_code = area_code
        else:
            session.add(GridFirm(enterprise_id=enterprise_id, area_code=area_code))
    count = len(wanted)
    record_change(session, actor=principal.actor, action="desk.grid.assign", entity="desk_grid_area",
                  entity_id=area_code, region_code=area.region_code, after={"enterprises": count})
    session.flush()
    return count


def area_of(session: Session, enterprise_id: str) -> GridArea | None:
    return session.scalar(select(GridArea).join(GridFirm, GridFirm.area_code == GridArea.code)
                          .where(GridFirm.enterprise_id == enterprise_id))


# --- access ---------------------------------------------------------------------------------------------

def paired_with(session: Session, username: str, enterprise_id: str) -> bool:
    return session.scalar(select(exists().where(Pairing.username == username, Pairing.enterprise_id == enterprise_id,
                                                Pairing.ended_at.is_(None)))) or False


def _unit_codes(session: Session, principal: Principal) -> list[str]:
    return [u.code for u in units_of(session, principal.user_id)]


def can_read(session: Session, principal: Principal, demand: Demand) -> bool:
    role = principal.role
    if role in ("province_admin", "officer", "system"):
        return principal.can_see_region(demand.region_code)
    if role == "department":
        units = _unit_codes(session, principal)
        return principal.can_see_region(demand.region_code) and (demand.department in units
                                                                 or demand.contact_unit in units)
    if role == "service_officer":
        return (principal.can_see_region(demand.region_code)
                and (demand.enterprise_id in principal.enterprise_ids
                     or paired_with(session, principal.user_id, demand.enterprise_id)))
    if role == "enterprise":
        return demand.enterprise_id in principal.enterprise_ids
    return False


def scope_filter(session: Session, principal: Principal):
    """A WHERE clause for desk_demand giving exactly the demands ``can_read`` allows."""
    role = principal.role
    in_region = Demand.region_code.startswith(principal.region_prefix)
    if role in ("province_admin", "officer", "system"):
        return in_region
    if role == "department":
        units = _unit_codes(session, principal)
        return in_region & or_(Demand.department.in_(units), Demand.contact_unit.in_(units))
    if role == "service_officer":
        paired = select(Pairing.enterprise_id).where(Pairing.username == principal.user_id, Pairing.ended_at.is_(None))
        return in_region & or_(Demand.enterprise_id.in_(sorted(principal.enterprise_ids)),
                               Demand.enterprise_id.in_(paired))
    if role == "enterprise":
        return Demand.enterprise_id.in_(sorted(principal.enterprise_ids))
    return Demand.id.is_(None)


def get_demand(session: Session, principal: Principal, demand_id: int | str) -> Demand:
    """The demand, or AccessDenied; an unknown id and a foreign one answer alike (LookupError)."""
    try:
        key = int(str(demand_id).lstrip("Dd"))
    except ValueError:
        raise LookupError(f"no demand {demand_id}") from None
    demand = session.get(Demand, key)
    if demand is None or not can_read(session, principal, demand):
        raise LookupError(f"no demand {demand_id}")
    return demand


def is_triage_member(session: Session, principal: Principal, region_code: str) -> bool:
    if principal.role in ("system",):
        return True
    if principal.role == "province_admin":
        return principal.can_see_region(region_code)
    return any(unit.is_triage and region_code.startswith(unit.region_code) for unit in units_of(session, principal.user_id))


def _guards(session: Session) -> dict:
    def triage_office(demand: Demand, principal: Principal, transition, at=None) -> None:
        if not is_triage_member(session, principal, demand.region_code):
            raise TransitionRefused("仅梳理分派办公室可执行此操作", "only the triage office may do this",
                                    code="not_triage_office")

    def assigned_department(demand: Demand, principal: Principal, transition, at=None) -> None:
        if demand.department not in _unit_codes(session, principal):
            raise TransitionRefused("仅承办部门可执行此操作", "only the department the demand was dispatched to may do this",
                                    code="not_assigned_department")

    def own_enterprise(demand: Demand, principal: Principal, transition, at=None) -> None:
        if demand.enterprise_id not in principal.enterprise_ids:
            raise TransitionRefused("仅提出诉求的企业可执行此操作", "only the enterprise that raised the demand may do this",
                                    code="not_own_enterprise")

    return {"triage_office": triage_office, "assigned_department": assigned_department,
            "own_enterprise": own_enterprise}


# --- recording a demand ---------------------------------------------------------------------------------

def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        raise DeskError("amount_yuan", f"{value!r} is not a number 金额须为数字") from None
    if amount < 0 or amount > Decimal("1e13"):
        raise DeskError("amount_yuan", f"{value} is outside 0 – 10,000,000,000,000 yuan 金额超出范围")
    return amount.quantize(Decimal("0.01"))


def round_at(session: Session, region_code: str, at: dt.datetime) -> Round | None:
    """The collection round of the region (the most specific prefix) that contains ``at``."""
    candidates = session.scalars(select(Round).where(Round.starts_at <= at, Round.ends_at > at)
                                 .order_by(func.length(Round.region_prefix).desc()))
    for row in candidates:
        if region_code.startswith(row.region_prefix):
            return row
    return None


def _may_record(session: Session, principal: Principal, enterprise_id: str, region_code: str) -> str:
    """Who records the demand decides its source; refuses callers who may not record for this firm."""
    role = principal.role
    if role == "enterprise":
        if enterprise_id not in principal.enterprise_ids:
            raise OutOfScope(f"{principal.actor} may record demands of its own enterprise only")
        return "enterprise"
    if role == "service_officer":
        if not principal.can_see_region(region_code) or not (
                enterprise_id in principal.enterprise_ids or paired_with(session, principal.user_id, enterprise_id)):
            raise OutOfScope(f"{principal.actor} is not paired with {enterprise_id}")
        return "visit"
    if role in ("officer", "department", "province_admin", "system"):
        principal.require_region(region_code)
        return "contact" if role != "system" else "import"
    raise AccessDenied(f"{principal.actor} may not record demands")


def submit_demand(session: Session, principal: Principal, *, enterprise_id: str, category: str, text: str,
                  amount_yuan=None, policy_ref: str | None = None, source: str | None = None,
                  contact_unit: str | None = None, address_string: str | None = None,
                  latitude: float | None = None, longitude: float | None = None, at: dt.datetime | None = None,
                  config: DeskConfig | None = None, log_contact: bool = False, channel: str = "visit") -> Demand:
    """Record a demand (state ``collected``): by the enterprise, a contact unit, a paired official on a
    visit, an Open311 client, or an import. The contact unit and grid area default to the firm's grid
    area; the round is the one running at ``at``. ``log_contact`` also writes a contact-log row."""
    config = config or load_desk_config()
    cat = config.category(category)
    text = (text or "").strip()
    if not text:
        raise DeskError("text", "required 请填写诉求内容")
    if len(text) > MAX_TEXT:
        raise DeskError("text", f"at most {MAX_TEXT} characters 内容过长")
    amount = _amount(amount_yuan)
    if amount is not None and not cat.amounts:
        raise DeskError("amount_yuan", f"category {cat.key} carries no amount 该类别不填金额")
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        if principal.role == "enterprise":
            raise OutOfScope(f"{principal.actor} may record demands of its own enterprise only")
        raise DeskError("enterprise_id", f"{enterprise_id} is not in the enterprise registry 企业未登记")
    region = enterprise.region_code
    recorded_as = _may_record(session, principal, enterprise_id, region)
    source = source or recorded_as
    if source not in SOURCES:
        raise DeskError("source", f"accepted values are {', '.join(SOURCES)}")
    for name, value, low, high in (("lat", latitude, -90, 90), ("long", longitude, -180, 180)):
        if value is not None and not low <= value <= high:
            raise DeskError(name, f"{value} is outside {low}..{high}")
    at = at or _now()
    area = area_of(session, enterprise_id)
    if contact_unit is None:
        contact_unit = area.unit_code if area is not None else None
    elif session.get(Unit, contact_unit) is None:
        raise DeskError("contact_unit", f"unknown unit {contact_unit}")
    current_round = round_at(session, region, at)
    demand = Demand(enterprise_id=enterprise_id, region_code=region, category=cat.key, text=text,
                    policy_ref=(policy_ref or "").strip() or None, amount_yuan=amount, source=source,
                    contact_unit=contact_unit, area_code=area.code if area else None,
                    round_id=current_round.id if current_round else None, dispatch_count=0, escalation_level=0,
                    address_string=address_string or enterprise.address or None,
                    latitude=latitude if latitude is not None else enterprise.latitude,
                    longitude=longitude if longitude is not None else enterprise.longitude,
                    recorded_by=principal.actor, created_at=at, updated_at=at)
    session.add(demand)
    data = {"category": cat.key, "enterprise_id": enterprise_id, "contact_unit": contact_unit,
            "round": current_round.number if current_round else None, "source": source}
    if amount is not None:
        data["amount_yuan"] = str(amount)
    row = transitions.start(session, machine=machine(), entity=demand, principal=principal, region_code=region,
                            data=data, at=at)
    milestones.record(session, demand, state=row.to_state, at=row.at)
    search.index_demand(session, demand)
    if log_contact:
        record_contact(session, principal, enterprise_id=enterprise_id, channel=channel,
                       note=f"诉求 D{demand.id:06d}", unit_code=contact_unit, at=at)
    return demand


def record_contact(session: Session, principal: Principal, *, enterprise_id: str, channel: str = "visit",
                   note: str = "", unit_code: str | None = None, at: dt.datetime | None = None) -> Contact:
    """A row of the visit and contact log (firms contacted count from it)."""
    if channel not in CHANNELS:
        raise DeskError("channel", f"accepted values are {', '.join(CHANNELS)}")
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise DeskError("enterprise_id", f"{enterprise_id} is not in the enterprise registry 企业未登记")
    if principal.role == "service_officer":
        if not (enterprise_id in principal.enterprise_ids or paired_with(session, principal.user_id, enterprise_id)):
            raise OutOfScope(f"{principal.actor} is not paired with {enterprise_id}")
    elif principal.role in ("officer", "department", "province_admin", "system"):
        principal.require_region(enterprise.region_code)
    else:
        raise AccessDenied(f"{principal.actor} may not log contacts")
    if unit_code is None:
        area = area_of(session, enterprise_id)
        mine = _unit_codes(session, principal)
        unit_code = mine[0] if len(mine) == 1 else (area.unit_code if area else None)
    at = at or _now()
    row = Contact(enterprise_id=enterprise_id, region_code=enterprise.region_code, unit_code=unit_code,
                  actor=principal.actor, channel=channel, note=note.strip()[:2000], at=at)
    session.add(row)
    record_change(session, actor=principal.actor, action="desk.contact", entity="enterprise", entity_id=enterprise_id,
                  region_code=enterprise.region_code, after={"channel": channel, "unit": unit_code}, at=at)
    session.flush()
    return row


def add_attachment(session: Session, principal: Principal, *, demand_id: int, filename: str, content_type: str,
                   content: bytes, data_dir: Path, at: dt.datetime | None = None) -> Attachment:
    """Store a photo or PDF with a demand (content-addressed; JPEG, PNG or PDF up to 5 MB)."""
    demand = get_demand(session, principal, demand_id)
    if content_type not in ATTACHMENT_TYPES:
        raise DeskError("attachment", f"{content_type}: JPEG, PNG or PDF only 仅支持图片或PDF")
    if not content or len(content) > MAX_ATTACHMENT:
        raise DeskError("attachment", "1 byte – 5 MB 文件过大或为空")
    magic = {"image/jpeg": b"\xff\xd8", "image/png": b"\x89PNG", "application/pdf": b"%PDF"}[content_type]
    if not content.startswith(magic):
        raise DeskError("attachment", f"the file is not a {content_type} 文件类型不符")
    digest = hashlib.sha256(content).hexdigest()
    folder = Path(data_dir) / "desk" / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / digest
    if not target.exists():
        temporary = folder / f".{digest}.part"
        temporary.write_bytes(content)
        temporary.replace(target)
    name = Path(filename or "file").name[:200]
    row = Attachment(demand_id=demand.id, filename=name, content_type=content_type, size=len(content),
                     sha256=digest, added_by=principal.actor, added_at=at or _now())
    session.add(row)
    record_change(session, actor=principal.actor, action="desk.attachment.add", entity="desk_demand",
                  entity_id=str(demand.id), region_code=demand.region_code,
                  after={"filename": name, "sha256": digest, "size": len(content)}, at=at)
    session.flush()
    return row


# --- acting on a demand ---------------------------------------------------------------------------------

def _apply(session: Session, principal: Principal, demand: Demand, action: str, *, reason: str | None = None,
           data: dict | None = None, at: dt.datetime | None = None):
    at = at or _now()
    row = transitions.apply(session, machine=machine(), entity=demand, action=action, principal=principal,
                            region_code=demand.region_code, reason=reason, data=data, guards=_guards(session), at=at)
    milestones.record(session, demand, state=row.to_state, at=row.at, department=(row.data or {}).get("department"))
    demand.updated_at = at
    return row


def _notify_enterprise(session: Session, demand: Demand, *, row, kind: str, subject: tuple[str, str],
                       body: tuple[str, str] = ("", ""), settings=None) -> None:
    enterprise = session.get(Enterprise, demand.enterprise_id)
    channels = outbox.Channels.from_settings(settings) if settings is not None else outbox.Channels()
    outbox.notify(session, dedupe_key=f"desk:{row.id}:enterprise", recipient_kind="enterprise",
                  recipient_id=demand.enterprise_id, region_code=demand.region_code, kind=kind, subject=subject,
                  body=body, link=f"/desk/demands/{demand.id}", entity="desk_demand", entity_id=str(demand.id),
                  email=enterprise.contact_email if enterprise else None, channels=channels, at=row.at)


def notify_users(session: Session, usernames: Iterable[str], demand: Demand, *, key: str, kind: str,
                 subject: tuple[str, str], body: tuple[str, str] = ("", ""), at: dt.datetime | None = None,
                 settings=None) -> int:
    channels = outbox.Channels.from_settings(settings) if settings is not None else outbox.Channels()
    count = 0
    for username in sorted(set(usernames)):
        made = outbox.notify(session, dedupe_key=f"{key}:{username}", recipient_kind="user", recipient_id=username,
                             region_code=demand.region_code, kind=kind, subject=subject, body=body,
                             link=f"/desk/demands/{demand.id}", entity="desk_demand", entity_id=str(demand.id),
                             channels=channels, at=at)
        count += made is not None
    return count


def accept(session: Session, principal: Principal, *, demand_id: int, reason: str | None = None,
           at: dt.datetime | None = None) -> Demand:
    demand = get_demand(session, principal, demand_id)
    _apply(session, principal, demand, "accept", reason=reason, at=at)
    return demand


def invalidate(session: Session, principal: Principal, *, demand_id: int, reason: str,
               at: dt.datetime | None = None, settings=None) -> Demand:
    demand = get_demand(session, principal, demand_id)
    row = _apply(session, principal, demand, "invalidate", reason=reason, at=at)
    _notify_enterprise(session, demand, row=row, kind="desk.invalid", settings=settings,
                       subject=(f"诉求 D{demand.id:06d} 未予受理", f"Demand D{demand.id:06d} was not accepted"),
                       body=(reason, reason))
    return demand


def merge(session: Session, principal: Principal, *, demand_id: int, into: int, reason: str | None = None,
          at: dt.datetime | None = None) -> Demand:
    """Merge a duplicate into the demand that stays (same enterprise; not itself invalid or merged)."""
    demand = get_demand(session, principal, demand_id)
    kept = get_demand(session, principal, into)
    if kept.id == demand.id:
        raise DeskError("into", "a demand cannot be merged into itself")
    if kept.enterprise_id != demand.enterprise_id:
        raise DeskError("into", "duplicates are demands of the same enterprise 仅可合并同一企业的重复诉求")
    if kept.state in ("invalid", "merged"):  # a duplicate of a demand already solved may still be merged
        raise DeskError("into", f"D{kept.id:06d} is {kept.state}; merge into the demand that stays")
    _apply(session, principal, demand, "merge", reason=reason or f"重复，并入 D{kept.id:06d}",
           data={"into": kept.id}, at=at)
    demand.merged_into = kept.id
    return demand


def duplicate_candidates(session: Session, principal: Principal, *, demand_id: int, limit: int = 5) -> list[dict]:
    """Open demands of the same enterprise and category whose text shares most bigrams (Jaccard ≥ 0.5)."""
    demand = get_demand(session, principal, demand_id)
    mine = search.terms(demand.text)
    others = session.scalars(select(Demand).where(Demand.enterprise_id == demand.enterprise_id,
                                                  Demand.category == demand.category, Demand.id != demand.id,
                                                  Demand.state.notin_(("invalid", "merged"))))
    out = []
    for other in others:
        theirs = search.terms(other.text)
        score = len(mine & theirs) / max(1, len(mine | theirs))
        if score >= 0.5:
            out.append({"id": other.id, "state": other.state, "text": other.text[:120], "similarity": round(score, 2)})
    return sorted(out, key=lambda row: -row["similarity"])[:limit]


def dispatch(session: Session, principal: Principal, *, demand_id: int, department: str | None = None,
             reason: str | None = None, at: dt.datetime | None = None, config: DeskConfig | None = None,
             settings=None, schedule_jobs: bool = True) -> Demand:
    """Dispatch a valid (or reopened) demand to a department — the one given, or the routing rules'
    answer — with a due date ``due_workdays`` working days on; schedules reminder and escalation jobs."""
    from fugong.desk import deadlines, routing

    config = config or load_desk_config()
    demand = get_demand(session, principal, demand_id)
    # Held for routing and the firm's notice below (the session's identity map keeps only weak references).
    enterprise = session.get(Enterprise, demand.enterprise_id)  # noqa: F841
    rule_id = None
    if department is None:
        routed = routing.route(session, demand)
        if routed is None:
            raise DeskError("department", "no routing rule matches; choose a department 无匹配的分派规则，请选择承办部门")
        department, rule_id = routed.department, routed.rule_id
    unit = session.get(Unit, department)
    if unit is None or not unit.is_department:
        raise DeskError("department", f"{department} is not a department 不是承办部门")
    if not demand.region_code.startswith(unit.region_code) and not unit.region_code.startswith(demand.region_code[:4]):
        raise DeskError("department", f"{department} does not serve region {demand.region_code}")
    at = at or _now()
    category = config.category(demand.category)
    due_on = add_workdays(local_day(at), category.due_workdays, closures=closures_of(config.escalation.closures))
    row = _apply(session, principal, demand, "dispatch", reason=reason,
                 data={"department": department, "due_on": due_on.isoformat(), "rule": rule_id}, at=at)
    demand.department, demand.routing_rule_id, demand.due_on = department, rule_id, due_on
    demand.dispatch_count = (demand.dispatch_count or 0) + 1
    demand.escalation_level = 0
    if schedule_jobs:  # an import of past rounds does not start deadlines that ran out long ago
        deadlines.schedule_for_dispatch(session, demand, config=config, at=at)
    notify_users(session, members_of(session, department), demand, key=f"desk:{row.id}", kind="desk.dispatched",
                 subject=(f"新分派诉求 D{demand.id:06d}，{due_on:%m-%d} 前办结",
                          f"Demand D{demand.id:06d} dispatched to you, due {due_on.isoformat()}"),
                 body=(demand.text[:200], demand.text[:200]), at=at, settings=settings)
    _notify_enterprise(session, demand, row=row, kind="desk.dispatched", settings=settings,
                       subject=(f"诉求 D{demand.id:06d} 已交 {unit.name_zh} 办理",
                                f"Demand D{demand.id:06d} is with {unit.name_en}"))
    return demand


def triage(session: Session, principal: Principal, *, demand_id: int, department: str | None = None,
           at: dt.datetime | None = None, config: DeskConfig | None = None, settings=None,
           schedule_jobs: bool = True) -> Demand:
    """Accept and dispatch in one step (what the Wuhu office did: 梳理后分类报至责任单位)."""
    demand = accept(session, principal, demand_id=demand_id, at=at)  # noqa: F841 - held: dispatch reads it again
    return dispatch(session, principal, demand_id=demand_id, department=department, at=at, config=config,
                    settings=settings, schedule_jobs=schedule_jobs)


def return_to_triage(session: Session, principal: Principal, *, demand_id: int, reason: str,
                     at: dt.datetime | None = None) -> Demand:
    demand = get_demand(session, principal, demand_id)
    _apply(session, principal, demand, "return", reason=reason, data={"department": demand.department}, at=at)
    return demand


def take(session: Session, principal: Principal, *, demand_id: int, reason: str | None = None,
         at: dt.datetime | None = None) -> Demand:
    demand = get_demand(session, principal, demand_id)
    _apply(session, principal, demand, "take", reason=reason, at=at)
    return demand


def progress(session: Session, principal: Principal, *, demand_id: int, note: str,
             at: dt.datetime | None = None) -> Demand:
    demand = get_demand(session, principal, demand_id)
    _apply(session, principal, demand, "progress", reason=note, at=at)
    return demand


def ask(session: Session, principal: Principal, *, demand_id: int, question: str, at: dt.datetime | None = None,
        settings=None) -> Demand:
    demand = get_demand(session, principal, demand_id)
    row = _apply(session, principal, demand, "ask", reason=question, at=at)
    _notify_enterprise(session, demand, row=row, kind="desk.question", settings=settings,
                       subject=(f"诉求 D{demand.id:06d}：承办部门需要您答复", f"Demand D{demand.id:06d}: a question for you"),
                       body=(question, question))
    return demand


def answer(session: Session, principal: Principal, *, demand_id: int, text: str, at: dt.datetime | None = None,
           settings=None) -> Demand:
    demand = get_demand(session, principal, demand_id)
    row = _apply(session, principal, demand, "answer", reason=text, at=at)
    notify_users(session, members_of(session, demand.department), demand, key=f"desk:{row.id}", kind="desk.answer",
                 subject=(f"企业已答复 D{demand.id:06d}", f"The enterprise answered D{demand.id:06d}"),
                 body=(text[:200], text[:200]), at=row.at, settings=settings)
    return demand


def resolve(session: Session, principal: Principal, *, demand_id: int, outcome: str, amounts: dict | None = None,
            at: dt.datetime | None = None, config: DeskConfig | None = None, settings=None,
            schedule_jobs: bool = True) -> Demand:
    """Resolve with an outcome; financial demands may record what was granted (credit, loans, funds paid)."""
    from fugong.desk import deadlines

    config = config or load_desk_config()
    demand = get_demand(session, principal, demand_id)
    data = {"department": demand.department}
    for key, value in (amounts or {}).items():
        if key not in OUTCOME_AMOUNTS:
            raise DeskError(key, f"accepted amounts are {', '.join(OUTCOME_AMOUNTS)}")
        amount = _amount(value)
        if amount is not None:
            if not config.category(demand.category).amounts:
                raise DeskError(key, f"category {demand.category} carries no amount 该类别不填金额")
            data[key] = str(amount)
    row = _apply(session, principal, demand, "resolve", reason=outcome, data=data, at=at)
    demand.outcome = row.reason
    if schedule_jobs:
        deadlines.schedule_auto_close(session, demand, config=config, at=row.at, resolution=row.id)
    _notify_enterprise(session, demand, row=row, kind="desk.resolved", settings=settings,
                       subject=(f"诉求 D{demand.id:06d} 已解决，请评价", f"Demand D{demand.id:06d} resolved: please rate it"),
                       body=(outcome, outcome))
    return demand


def reopen(session: Session, principal: Principal, *, demand_id: int, reason: str, at: dt.datetime | None = None,
           settings=None, schedule_jobs: bool = True) -> Demand:
    demand = get_demand(session, principal, demand_id)
    config = load_desk_config()
    row = _apply(session, principal, demand, "reopen", reason=reason, data={"department": demand.department}, at=at)
    demand.outcome = None
    if demand.department:  # the department has the demand again, with a new due date and new deadlines
        from fugong.desk import deadlines

        category = config.category(demand.category)
        demand.due_on = add_workdays(local_day(row.at), category.due_workdays,
                                     closures=closures_of(config.escalation.closures))
        demand.dispatch_count = (demand.dispatch_count or 0) + 1
        demand.escalation_level = 0
        if schedule_jobs:
            deadlines.schedule_for_dispatch(session, demand, config=config, at=row.at)
    if demand.department:
        notify_users(session, members_of(session, demand.department), demand, key=f"desk:{row.id}",
                     kind="desk.reopened", subject=(f"诉求 D{demand.id:06d} 被重新提出", f"Demand D{demand.id:06d} reopened"),
                     body=(reason, reason), at=row.at, settings=settings)
    return demand


def rate(session: Session, principal: Principal, *, demand_id: int, rating: int, comment: str | None = None,
         at: dt.datetime | None = None) -> Demand:
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DeskError("rating", "a whole number 1–5 评分为1至5")
    demand = get_demand(session, principal, demand_id)
    _apply(session, principal, demand, "rate", reason=comment, data={"rating": rating}, at=at)
    demand.rating = rating
    return demand


def close(session: Session, principal: Principal, *, demand_id: int, reason: str | None = None,
          at: dt.datetime | None = None) -> Demand:
    demand = get_demand(session, principal, demand_id)
    _apply(session, principal, demand, "close", reason=reason, at=at)
    return demand


def escalate(session: Session, principal: Principal, *, demand: Demand, level: int, reason: str,
             at: dt.datetime | None = None, settings=None) -> Demand:
    """Escalate to the department head (level 1) or the firm's paired official (level 2), notifying them."""
    row = _apply(session, principal, demand, "escalate", reason=reason, data={"level": level}, at=at)
    demand.escalation_level = max(demand.escalation_level or 0, level)
    if level == 1:
        people = heads_of(session, demand.department) or members_of(session, demand.department)
        subject = (f"督办：D{demand.id:06d} 已逾期", f"Escalated: D{demand.id:06d} is overdue")
    else:
        people = list(session.scalars(select(Pairing.username).where(Pairing.enterprise_id == demand.enterprise_id,
                                                                      Pairing.ended_at.is_(None))))
        people += heads_of(session, demand.department)
        subject = (f"督办：结对企业诉求 D{demand.id:06d} 逾期未办", f"Escalated: D{demand.id:06d} of your paired firm is overdue")
    notify_users(session, people, demand, key=f"desk:{row.id}", kind="desk.escalated", subject=subject,
                 body=(reason, reason), at=row.at, settings=settings)
    return demand


ACTIONS = {
    "accept": accept, "invalidate": invalidate, "merge": merge, "dispatch": dispatch, "return": return_to_triage,
    "take": take, "progress": progress, "ask": ask, "answer": answer, "resolve": resolve, "reopen": reopen,
    "rate": rate, "close": close,
}


# --- reading --------------------------------------------------------------------------------------------

def demand_view(session: Session, demand: Demand, *, lang: str = "zh", principal: Principal | None = None,
                with_timeline: bool = False, config: DeskConfig | None = None) -> dict:
    config = config or load_desk_config()
    m = machine()
    state = m.states.get(demand.state)
    category = config.categories.get(demand.category)
    enterprise = session.get(Enterprise, demand.enterprise_id)
    department = session.get(Unit, demand.department) if demand.department else None
    contact = session.get(Unit, demand.contact_unit) if demand.contact_unit else None
    view = {
        "id": demand.id, "code": f"D{demand.id:06d}", "enterprise_id": demand.enterprise_id,
        "enterprise_name": enterprise.name if enterprise else "", "region_code": demand.region_code,
        "category": demand.category, "category_name": category.name(lang) if category else demand.category,
        "text": demand.text, "policy_ref": demand.policy_ref,
        "amount_yuan": float(demand.amount_yuan) if demand.amount_yuan is not None else None,
        "source": demand.source, "state": demand.state,
        "state_name": (state.zh if lang == "zh" else state.en) if state else demand.state,
        "contact_unit": demand.contact_unit, "contact_unit_name": contact.name_zh if contact else None,
        "department": demand.department,
        "department_name": (department.name_zh if lang == "zh" else department.name_en) if department else None,
        "due_on": demand.due_on.isoformat() if demand.due_on else None, "escalation_level": demand.escalation_level,
        "merged_into": demand.merged_into, "outcome": demand.outcome, "rating": demand.rating,
        "created_at": transitions._aware(demand.created_at).isoformat(),
        "updated_at": transitions._aware(demand.updated_at).isoformat(),
    }
    if principal is not None:
        guards = _guards(session)
        possible = []
        for transition in m.actions_for(demand.state, principal.role):
            try:
                for name in transition.guards:
                    guards[name](demand, principal, transition)
            except TransitionRefused:
                continue
            if transition.action not in [p["action"] for p in possible] and transition.action in ACTIONS:
                possible.append({"action": transition.action, "name": transition.zh if lang == "zh" else transition.en,
                                 "reason_required": transition.reason_required})
        view["actions"] = possible
    if with_timeline:
        view["timeline"] = transitions.timeline(session, machine=m, entity_id=str(demand.id))
        view["attachments"] = [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
                               for a in session.scalars(select(Attachment).where(Attachment.demand_id == demand.id)
                                                        .order_by(Attachment.id))]
    return view


def list_demands(session: Session, principal: Principal, *, state: str | Iterable[str] | None = None,
                 department: str | None = None, contact_unit: str | None = None, enterprise_id: str | None = None,
                 category: str | None = None, query: str | None = None, region_prefix: str = "",
                 order: str = "updated", limit: int = 50, offset: int = 0) -> tuple[int, list[Demand]]:
    """(total, page) of the demands the principal may read, filtered; newest change first by default."""
    if principal.role == "department" and (department in _unit_codes(session, principal)
                                           or contact_unit in _unit_codes(session, principal)):
        # One of the caller's own units is asked for: the scope's "(department IN units OR contact_unit
        # IN units)" holds for every row, and leaving it out lets the unit's index answer alone.
        where = [Demand.region_code.startswith(principal.region_prefix)]
    else:
        where = [scope_filter(session, principal)]
    if region_prefix:
        where.append(Demand.region_code.startswith(region_prefix))
    if state:
        states = [state] if isinstance(state, str) else list(state)
        finished = [s for s in machine().states if s not in OPEN_STATES]
        if set(states) == set(OPEN_STATES) and finished:
            # "Open" is most demands: said as "not finished", no index on state can serve it, so the
            # database walks the order's index (newest first) and stops at the page instead of
            # sorting every open demand (SQLite without statistics took the state index: 40,000 rows).
            where.append(Demand.state.notin_(finished))
        else:
            where.append(Demand.state.in_(states))
    if department:
        where.append(Demand.department == department)
    if contact_unit:
        where.append(Demand.contact_unit == contact_unit)
    if enterprise_id:
        where.append(Demand.enterprise_id == enterprise_id)
    if category:
        where.append(Demand.category == category)
    if query:
        ids = search.matching_ids(query)
        if ids is not None:
            where.append(Demand.id.in_(ids))
        for piece in search.pieces(query):
            if len(piece) != 2:  # a two-character run is its own bigram: the index answered exactly
                where.append(Demand.text.contains(piece, autoescape=True))
        if not search.searchable(query):
            where.append(Demand.id.is_(None))
    total = session.scalar(select(func.count()).select_from(Demand).where(*where)) or 0
    ordering = {"updated": (Demand.updated_at.desc(), Demand.id.desc()),
                "due": (Demand.due_on.asc(), Demand.id.asc()),
                "created": (Demand.created_at.asc(), Demand.id.asc())}[order]
    page = list(session.scalars(select(Demand).where(*where).order_by(*ordering).limit(limit).offset(offset)))
    return total, page
