"""Pairing officials with enterprises in layers (seed 004, 宁波高新区“分层结对”; seed 002, 余杭驻企服务员).

Three layers, the higher one first::

    leader       zone leaders → key firms and key projects            (管委会领导联系重点企业和项目)
    department   departments → the firms named for them (60+)         (机关部门结对服务)
    grid         towns, streets and parks → every other firm of a grid area (街道、园区连片包干)

A plan (TOML, ``fugong desk pairing apply FILE``) says it as data::

    [[leader]]
    username = "nb-leader-1"
    unit = "NB-GWH"
    key_projects = true                 # every firm flagged key_project in region_prefix
    region_prefix = "330212"
    enterprises = ["E1", "E2"]          # and these

    [[department]]
    username = "nb-jxj-1"
    unit = "NB-JXJ"
    enterprises = ["E3", "E4"]

    [[grid]]
    area = "NB-G01"                     # a desk grid area
    username = "nb-street-1"            # pairs every firm of the area not paired in a higher layer

Applying a plan ends pairings it no longer contains (ended_at, never deleted) and starts new ones, so
coverage can be read as of any time. A paired official (role service_officer) sees the demands of
their firms, records visits and demands on a visit (``service.submit_demand`` — source "visit"), and
is the second escalation level of an overdue demand.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, OutOfScope, Principal
from fugong.desk.models import LAYERS, Contact, Demand, GridArea, GridFirm, Pairing, Unit
from fugong.desk.service import OPEN_STATES, DeskError, _now, local_day
from fugong.enterprises.models import Enterprise
from fugong.enterprises.service import names_of
from fugong.errors import shown
from fugong.store.audit import record_change

LAYER_ORDER = tuple(LAYERS)


def _require_admin(principal: Principal) -> None:
    if principal.role not in ("province_admin", "system"):
        raise AccessDenied(f"{principal.actor} may not change pairings")


def pair(session: Session, principal: Principal, *, enterprise_id: str, username: str, layer: str,
         unit_code: str | None = None, at: dt.datetime | None = None) -> Pairing:
    """Pair one official with one firm in a layer (an existing active pairing of the same three is kept)."""
    _require_admin(principal)
    if layer not in LAYERS:
        raise DeskError("layer", f"accepted values are {', '.join(LAYERS)}")
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise DeskError("enterprise_id", f"{enterprise_id} is not in the enterprise registry")
    principal.require_region(enterprise.region_code)
    if unit_code is not None and session.get(Unit, unit_code) is None:
        raise DeskError("unit", f"unknown unit {unit_code}")
    existing = session.scalar(select(Pairing).where(Pairing.enterprise_id == enterprise_id, Pairing.username == username,
                                                    Pairing.layer == layer, Pairing.ended_at.is_(None)))
    if existing is not None:
        return existing
    at = at or _now()
    row = Pairing(enterprise_id=enterprise_id, username=username, layer=layer, unit_code=unit_code,
                  region_code=enterprise.region_code, started_at=at, created_by=principal.actor)
    session.add(row)
    record_change(session, actor=principal.actor, action="desk.pair", entity="enterprise", entity_id=enterprise_id,
                  region_code=enterprise.region_code, after={"username": username, "layer": layer, "unit": unit_code},
                  at=at)
    session.flush()
    return row


def unpair(session: Session, principal: Principal, *, pairing_id: int, reason: str = "",
           at: dt.datetime | None = None) -> None:
    _require_admin(principal)
    row = session.get(Pairing, pairing_id)
    if row is None or row.ended_at is not None:
        raise DeskError("pairing", f"no active pairing {pairing_id}")
    principal.require_region(row.region_code)
    row.ended_at = at or _now()
    record_change(session, actor=principal.actor, action="desk.unpair", entity="enterprise", entity_id=row.enterprise_id,
                  region_code=row.region_code, before={"username": row.username, "layer": row.layer}, reason=reason,
                  at=row.ended_at)


def parse_plan(path: str | Path) -> dict:
    from fugong.risk.rules import read_toml  # folders, sizes, encodings, deep nesting: named

    return read_toml(Path(path), lambda source, key, reason: DeskError("plan", f"{source}: {key}: {reason}"))


def _entries(plan: dict, layer: str, source: str) -> list[dict]:
    """The plan's [[layer]] tables; DeskError naming the layer when it is something else."""
    entries = plan.get(layer, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise DeskError(layer, f"{source}: {layer}: [[{layer}]] tables are required (got {shown(entries)})")
    return entries


def plan_pairs(session: Session, plan: dict, *, source: str = "plan") -> set[tuple[str, str, str, str | None]]:
    """(enterprise_id, username, layer, unit) the plan asks for; a firm paired in a higher layer is not
    paired again by the grid layer."""
    wanted: set[tuple[str, str, str, str | None]] = set()
    for layer in ("leader", "department"):
        for n, entry in enumerate(_entries(plan, layer, source)):
            where = f"{source}: {layer}[{n}]"
            username = entry.get("username")
            if not isinstance(username, str) or not username:
                raise DeskError("username", f"{where}.username is required")
            firms = entry.get("enterprises", [])
            if not isinstance(firms, list) or not all(isinstance(f, str) for f in firms):
                raise DeskError("enterprises", f"{where}.enterprises: a list of enterprise ids (got {shown(firms)})")
            firms = set(firms)
            unit = entry.get("unit")
            if unit is not None and not isinstance(unit, str):
                raise DeskError("unit", f"{where}.unit: a unit code (got {shown(unit)})")
            if entry.get("key_projects"):
                prefix = entry.get("region_prefix", "")
                if not isinstance(prefix, str) or not re.fullmatch(r"[0-9]{0,6}", prefix):
                    raise DeskError("region_prefix", f"{where}.region_prefix: up to 6 digits, as text (got {shown(prefix)})")
                firms |= set(session.scalars(select(Enterprise.enterprise_id).where(
                    Enterprise.key_project.is_(True), Enterprise.region_code.startswith(prefix))))
            for enterprise_id in firms:
                wanted.add((enterprise_id, username, layer, entry.get("unit")))
    higher = {pair[0] for pair in wanted}
    for n, entry in enumerate(_entries(plan, "grid", source)):
        area = session.get(GridArea, entry.get("area")) if isinstance(entry.get("area"), str) else None
        if area is None:
            raise DeskError("area", f"{source}: grid[{n}].area: unknown grid area {entry.get('area')!r}")
        username = entry.get("username")
        if not isinstance(username, str) or not username:
            raise DeskError("username", f"{source}: grid[{n}].username is required")
        for enterprise_id in session.scalars(select(GridFirm.enterprise_id).where(GridFirm.area_code == area.code)):
            if enterprise_id not in higher:
                wanted.add((enterprise_id, username, "grid", area.unit_code))
    return wanted


def apply_plan(session: Session, principal: Principal, *, plan: dict, source: str = "plan",
               at: dt.datetime | None = None) -> dict:
    """Make the active pairings inside the principal's region what the plan says; returns counts. One
    audit entry lists every pairing started and ended (a plan for a zone pairs a thousand firms)."""
    _require_admin(principal)
    at = at or _now()
    wanted = plan_pairs(session, plan, source=source)
    regions = dict(session.execute(select(Enterprise.enterprise_id, Enterprise.region_code).where(
        Enterprise.enterprise_id.in_(sorted({w[0] for w in wanted})))).all())
    for enterprise_id, *_ in wanted:
        if enterprise_id not in regions:
            raise DeskError("enterprise_id", f"{source}: {enterprise_id} is not in the enterprise registry")
        principal.require_region(regions[enterprise_id])
    for unit in {w[3] for w in wanted if w[3]}:
        if session.get(Unit, unit) is None:
            raise DeskError("unit", f"{source}: unknown unit {unit}")
    active = {(p.enterprise_id, p.username, p.layer, p.unit_code): p for p in session.scalars(
        select(Pairing).where(Pairing.ended_at.is_(None), Pairing.region_code.startswith(principal.region_prefix)))}
    ended = [row for key, row in active.items() if key not in wanted]
    for row in ended:
        row.ended_at = at
    started = sorted(w for w in wanted if w not in active)
    session.add_all(Pairing(enterprise_id=e, username=u, layer=layer, unit_code=unit, region_code=regions[e],
                            started_at=at, created_by=principal.actor) for e, u, layer, unit in started)
    record_change(session, actor=principal.actor, action="desk.pairing.apply", entity="desk_pairing", entity_id=source,
                  region_code=principal.region_prefix or None, at=at,
                  after={"started": [list(w) for w in started],
                         "ended": [[r.enterprise_id, r.username, r.layer, r.unit_code] for r in ended]})
    session.flush()
    return {"started": len(started), "ended": len(ended), "pairs": len(wanted)}


def coverage(session: Session, principal: Principal, *, region_prefix: str = "") -> dict:
    """Firms of the registry inside the scope, paired in each layer, paired at all, and without an
    official — in total and per county."""
    if principal.role not in ("province_admin", "officer", "system", "department"):
        raise AccessDenied(f"{principal.actor} may not read pairing coverage")
    prefix = region_prefix or principal.region_prefix
    if not prefix.startswith(principal.region_prefix):
        raise OutOfScope(f"{principal.actor} may not read region {prefix}")
    firms = dict(session.execute(select(Enterprise.region_code, func.count()).where(
        Enterprise.region_code.startswith(prefix)).group_by(Enterprise.region_code)).all())
    active = (select(Pairing.enterprise_id, Pairing.layer, Pairing.region_code)
              .where(Pairing.ended_at.is_(None), Pairing.region_code.startswith(prefix)).subquery())
    by_layer = session.execute(select(active.c.region_code, active.c.layer, func.count(func.distinct(active.c.enterprise_id)))
                               .group_by(active.c.region_code, active.c.layer)).all()
    paired = dict(session.execute(select(active.c.region_code, func.count(func.distinct(active.c.enterprise_id)))
                                  .group_by(active.c.region_code)).all())
    regions = []
    for code in sorted(firms):
        row = {"region_code": code, "firms": firms[code], "paired": paired.get(code, 0),
               "unpaired": firms[code] - paired.get(code, 0)}
        for layer in LAYER_ORDER:
            row[layer] = sum(n for region, lay, n in by_layer if region == code and lay == layer)
        regions.append(row)
    total = {"firms": sum(r["firms"] for r in regions), "paired": sum(r["paired"] for r in regions)}
    total["unpaired"] = total["firms"] - total["paired"]
    for layer in LAYER_ORDER:
        total[layer] = sum(r[layer] for r in regions)
    total["coverage_pct"] = round(100 * total["paired"] / total["firms"], 1) if total["firms"] else None
    return {"region_prefix": prefix, "layers": [{"key": k, "zh": v[0], "en": v[1]} for k, v in LAYERS.items()],
            "total": total, "regions": regions}


def my_firms(session: Session, username: str) -> list[Pairing]:
    return list(session.scalars(select(Pairing).where(Pairing.username == username, Pairing.ended_at.is_(None))
                                .order_by(Pairing.layer, Pairing.enterprise_id)))


def workbench(session: Session, principal: Principal, *, today: dt.date | None = None) -> dict:
    """An official's desk: their firms with open and overdue demands, last contact, filing and meter
    status where those packages have data."""
    if principal.role not in ("service_officer", "department", "officer", "province_admin"):
        raise AccessDenied(f"{principal.actor} has no workbench")
    today = today or local_day(_now())
    pairs = my_firms(session, principal.user_id)
    ids = [p.enterprise_id for p in pairs]
    names = names_of(session, ids)
    open_counts = dict(session.execute(select(Demand.enterprise_id, func.count()).where(
        Demand.enterprise_id.in_(ids), Demand.state.in_(OPEN_STATES)).group_by(Demand.enterprise_id)).all())
    overdue = list(session.scalars(select(Demand).where(Demand.enterprise_id.in_(ids), Demand.state.in_(OPEN_STATES),
                                                        Demand.due_on < today).order_by(Demand.due_on)))
    last_contact = dict(session.execute(select(Contact.enterprise_id, func.max(Contact.at)).where(
        Contact.enterprise_id.in_(ids)).group_by(Contact.enterprise_id)).all())
    status = firm_status(session, ids, today)
    firms = [{"enterprise_id": p.enterprise_id, "name": names.get(p.enterprise_id, ""), "layer": p.layer,
              "open_demands": open_counts.get(p.enterprise_id, 0),
              "last_contact": last_contact[p.enterprise_id].isoformat() if p.enterprise_id in last_contact else None,
              **status.get(p.enterprise_id, {})} for p in pairs]
    return {"username": principal.user_id, "today": today.isoformat(), "firms": firms,
            "overdue": [{"id": d.id, "code": f"D{d.id:06d}", "enterprise_id": d.enterprise_id, "due_on": d.due_on.isoformat(),
                         "state": d.state, "department": d.department} for d in overdue]}


def firm_status(session: Session, enterprise_ids: list[str], today: dt.date) -> dict[str, dict]:
    """Filing and meter status per firm from the packages that hold them, when they are installed and
    have data: ``filing`` (the resumption filing's state) and ``meter`` (resumed / not / no data)."""
    out: dict[str, dict] = {e: {"filing": None, "meter": None} for e in enterprise_ids}
    try:  # the resumption filings package (issue 13) — optional here
        from fugong.resumption.models import Filing  # type: ignore[import-not-found]
    except ImportError:
        Filing = None
    if Filing is not None:
        for enterprise_id, state in session.execute(select(Filing.enterprise_id, Filing.state).where(
                Filing.enterprise_id.in_(enterprise_ids))):
            out[enterprise_id]["filing"] = state
    return out
