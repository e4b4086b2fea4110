"""The link to the risk map: ``severity_of(region_code, day) -> int | None`` from published grades.

The yellow rule "travel to a region whose level reached a configured severity on those dates" asks
the risk map (fugong.risk) for the severity (0 lowest … 4 highest; None = grey or not graded) that
the active risk rule set (``FUGONG_RISK_RULES``) published for the region as of that day: the
latest publication on or before the day. A declared region may be coarser or finer than the graded
ones, so the answer is the highest severity among

    grades inside the region   (declared city 420100 -> every county 4201xx graded)
    the region itself, its city (xxxx00) and its province (xx0000), when those are graded.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from fugong.healthcode.rules import SeverityOf


def _prefix(region_code: str) -> str:
    """The GB/T 2260 prefix a code stands for: 420100 -> 4201, 330000 -> 33, 330106 -> 330106."""
    code = region_code
    for _ in range(2):
        if code.endswith("00") and len(code) > 2:
            code = code[:-2]
    return code


def severity_from_risk(session: Session, *, rule_set: str | None = None) -> SeverityOf:
    """A ``severity_of`` over the risk map's stored publications (cached per call of the rule)."""
    from fugong.risk.models import RiskGrade, RiskPublication

    if rule_set is None:
        from fugong.config import get_settings

        rule_set = get_settings().risk_rules
    cache: dict[tuple[str, dt.date], int | None] = {}

    def severity_of(region_code: str, day: dt.date) -> int | None:
        key = (region_code, day)
        if key not in cache:
            publication = session.scalar(
                select(RiskPublication.id).where(RiskPublication.rule_set == rule_set, RiskPublication.date <= day)
                .order_by(RiskPublication.date.desc()).limit(1))
            if publication is None:
                cache[key] = None
            else:
                enclosing = {region_code, region_code[:4] + "00", region_code[:2] + "0000"}
                cache[key] = session.scalar(
                    select(func.max(RiskGrade.severity)).where(
                        RiskGrade.publication_id == publication,
                        or_(RiskGrade.region_code.startswith(_prefix(region_code)),
                            RiskGrade.region_code.in_(enclosing))))
        return cache[key]

    return severity_of
