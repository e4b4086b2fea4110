"""Routing rules: category × region prefix × optional conditions → department, in published versions.

A rules file (``fugong desk routing publish FILE --reason …``) is a list of rules::

    [[rules]]
    category = "funding"          # a category key, or "*" for any
    region_prefix = "340203"      # GB/T 2260 prefix ("" = anywhere)
    department = "WH-JRB"         # a desk unit that is a department
    [rules.conditions]            # optional; every condition must hold
    min_amount_yuan = 10000000    # amount_yuan >= this
    above_scale = true            # 规上 firms only (false: 规下 only)
    industry_prefix = "C"         # GB/T 4754-2017 code of the firm starts with this
    key_project = true            # the firm has a key project / is on the key list
    source = "visit"              # recorded by a paired official on a visit

Publishing stores a new version (1, 2, 3 …); old versions stay as they were, and a dispatched demand
records the rule that routed it. The most specific rule wins: a rule naming the category before a
"*" rule, then the longest region prefix, then more conditions, then the earlier rule in the file.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, OutOfScope, Principal
from fugong.desk.models import Demand, RoutingRule, RoutingSet, Unit
from fugong.desk.settings import load_desk_config
from fugong.enterprises.models import Enterprise
from fugong.errors import shown
from fugong.store.audit import record_change

CONDITIONS = {"min_amount_yuan": (int, float), "max_amount_yuan": (int, float), "above_scale": bool,
              "industry_prefix": str, "key_project": bool, "source": str}


class RoutingError(ValueError):
    """A malformed rule; the message names the file, the rule and the field."""


@dataclass(frozen=True)
class Routed:
    department: str
    rule_id: int
    version: int


def parse_rules_file(path: str | Path) -> list[dict]:
    from fugong.risk.rules import read_toml  # folders, sizes, encodings, deep nesting: named

    path = Path(path)
    data = read_toml(path, lambda source, key, reason: RoutingError(f"{source}: {key}: {reason}"))
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules or not all(isinstance(rule, dict) for rule in rules):
        raise RoutingError(f"{path}: rules: at least one [[rules]] table is required")
    return rules


def publish(session: Session, principal: Principal, *, rules: list[dict], reason: str, source: str = "",
            at: dt.datetime | None = None) -> RoutingSet:
    """Check every rule and store them as the next version."""
    if principal.role not in ("province_admin", "system"):
        raise AccessDenied(f"{principal.actor} may not publish routing rules")
    if not reason.strip():
        raise RoutingError("reason: say why the rules change 请说明修改原因")
    categories = set(load_desk_config().categories) | {"*"}
    checked = []
    for n, rule in enumerate(rules):
        where = f"{source or 'rules'}: rules[{n}]"
        if not isinstance(rule, dict):
            raise RoutingError(f"{where}: a table is required (got {shown(rule)})")
        category = rule.get("category", "*")
        if not isinstance(category, str) or category not in categories:
            raise RoutingError(f"{where}.category: unknown category {shown(category)}")
        prefix = rule.get("region_prefix", "")
        if not isinstance(prefix, str) or (prefix and (not re.fullmatch(r"[0-9]{1,6}", prefix))):
            raise RoutingError(f"{where}.region_prefix: up to 6 digits of a GB/T 2260 code, as text (got {shown(prefix)})")
        if not prefix.startswith(principal.region_prefix):
            raise OutOfScope(f"{principal.actor} may not route region {prefix or 'everywhere'}")
        department = rule.get("department")
        unit = session.get(Unit, department) if isinstance(department, str) else None
        if unit is None or not unit.is_department:
            raise RoutingError(f"{where}.department: {department!r} is not a department unit")
        conditions = rule.get("conditions") or {}
        if not isinstance(conditions, dict):
            raise RoutingError(f"{where}.conditions: a table is required (got {shown(conditions)})")
        for key, value in conditions.items():
            kind = CONDITIONS.get(key)
            if kind is None:
                raise RoutingError(f"{where}.conditions.{key}: unknown condition (accepted: {', '.join(CONDITIONS)})")
            if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
                raise RoutingError(f"{where}.conditions.{key}: wrong type {type(value).__name__}")
            if isinstance(value, float) and not math.isfinite(value):  # Decimal(str(nan)) would match nothing, silently
                raise RoutingError(f"{where}.conditions.{key}: a finite amount is required (got {value})")
        checked.append((category, prefix, conditions or None, department))
    at = at or dt.datetime.now(dt.timezone.utc)
    version = (session.scalar(select(func.max(RoutingSet.version))) or 0) + 1
    rule_set = RoutingSet(version=version, published_at=at, published_by=principal.actor, reason=reason.strip(),
                          source=source[:300])
    session.add(rule_set)
    session.flush()
    for position, (category, prefix, conditions, department) in enumerate(checked):
        session.add(RoutingRule(version=version, position=position, category=category, region_prefix=prefix,
                                conditions=conditions, department=department))
    record_change(session, actor=principal.actor, action="desk.routing.publish", entity="desk_routing_set",
                  entity_id=str(version), region_code=principal.region_prefix or None,
                  after={"rules": len(checked), "source": source}, reason=reason, at=at)
    session.flush()
    return rule_set


def current_version(session: Session) -> int | None:
    return session.scalar(select(func.max(RoutingSet.version)))


def _holds(conditions: dict | None, demand: Demand, enterprise: Enterprise | None) -> bool:
    for key, value in (conditions or {}).items():
        amount = Decimal(str(demand.amount_yuan)) if demand.amount_yuan is not None else None
        if key == "min_amount_yuan" and (amount is None or amount < Decimal(str(value))):
            return False
        if key == "max_amount_yuan" and (amount is None or amount > Decimal(str(value))):
            return False
        if key == "above_scale" and (enterprise is None or enterprise.above_scale is not value):
            return False
        if key == "industry_prefix" and (enterprise is None or not (enterprise.industry_code or "").startswith(value)):
            return False
        if key == "key_project" and (enterprise is None or bool(enterprise.key_project) is not value):
            return False
        if key == "source" and demand.source != value:
            return False
    return True


def route(session: Session, demand: Demand, *, version: int | None = None) -> Routed | None:
    """The department of the most specific matching rule of a version (default: the latest)."""
    version = version or current_version(session)
    if version is None:
        return None
    rules = session.scalars(select(RoutingRule).where(RoutingRule.version == version,
                                                      RoutingRule.category.in_((demand.category, "*"))))
    enterprise = session.get(Enterprise, demand.enterprise_id)
    matching = [r for r in rules if demand.region_code.startswith(r.region_prefix) and _holds(r.conditions, demand, enterprise)]
    if not matching:
        return None
    best = min(matching, key=lambda r: (r.category == "*", -len(r.region_prefix), -len(r.conditions or {}), r.position))
    return Routed(department=best.department, rule_id=best.id, version=version)


def rules_view(session: Session, *, version: int | None = None) -> dict:
    version = version or current_version(session)
    if version is None:
        return {"version": None, "rules": []}
    rule_set = session.get(RoutingSet, version)
    rules = session.scalars(select(RoutingRule).where(RoutingRule.version == version).order_by(RoutingRule.position))
    return {"version": version, "published_at": rule_set.published_at.isoformat(), "published_by": rule_set.published_by,
            "reason": rule_set.reason,
            "rules": [{"id": r.id, "category": r.category, "region_prefix": r.region_prefix,
                       "conditions": r.conditions or {}, "department": r.department} for r in rules]}
