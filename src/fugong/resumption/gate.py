"""The risk map gates approval: a county's current level and its measures profile say which
enterprise classes may resume and whether commitment-based resumption is on (fugong.risk.measures).

    gate = county_gate(session, county="330110", day=date(2020, 2, 11), rules="zj-five-colour-2020")
    gate.allows(("industrial",))      -> False at orange
    gate.refusal(("industrial",))     -> ("余杭区当前风险等级为 较高风险（橙）…", "… orange …")

The level is the county's grade in the latest publication of the active rule set on or before the
day. A county without a grade (nothing published yet, or not graded) gets the grey profile, which
every rule set maps to its most cautious measures (DESIGN.md §2: when in doubt, the cautious rule).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.risk.measures import ENTERPRISE_CLASSES, Measures, measures_for


@dataclass(frozen=True)
class Gate:
    county: str
    county_name: str
    level: str
    level_zh: str
    level_en: str
    published: dt.date | None
    measures: Measures

    def allows(self, classes) -> bool:
        return any(self.measures.allows(c) for c in classes)

    @property
    def commitment(self) -> bool:
        return self.measures.commitment_resumption

    def refusal(self, classes) -> tuple[str, str]:
        allowed_zh = "、".join(ENTERPRISE_CLASSES[c][0] for c in self.measures.enterprise_classes) or "无"
        allowed_en = ", ".join(ENTERPRISE_CLASSES[c][1] for c in self.measures.enterprise_classes) or "none"
        own_zh = "、".join(ENTERPRISE_CLASSES.get(c, (c, c))[0] for c in classes)
        own_en = ", ".join(ENTERPRISE_CLASSES.get(c, (c, c))[1] for c in classes)
        when_zh = f"（{self.published.isoformat()}发布）" if self.published else "（尚未发布分级，按最严措施）"
        when_en = f" (published {self.published.isoformat()})" if self.published else " (not graded yet: the most cautious measures apply)"
        return (f"{self.county_name}当前风险等级为{self.level_zh}{when_zh}，该等级允许复工的企业类别为：{allowed_zh}；"
                f"本企业类别“{own_zh}”不在其中",
                f"{self.county_name or self.county} is at level {self.level_en}{when_en}; that level lets these "
                f"classes resume: {allowed_en}; the enterprise's class ({own_en}) is not among them")

    def as_dict(self) -> dict:
        return {"county": self.county, "county_name": self.county_name, "level": self.level, "level_zh": self.level_zh,
                "level_en": self.level_en, "published": self.published.isoformat() if self.published else None,
                "measures": self.measures.as_dict()}


def county_gate(session: Session, *, county: str, day: dt.date, rules: str | None = None) -> Gate:
    return county_gates(session, counties=[county], day=day, rules=rules)[county]


def county_gates(session: Session, *, counties, day: dt.date, rules: str | None = None) -> dict[str, Gate]:
    """{county: Gate} of several counties on one day, in two queries (a batch of filings)."""
    from fugong.reference import regions
    from fugong.risk.models import RiskGrade, RiskPublication
    from fugong.risk.rules import load_rules

    if rules is None:
        from fugong.config import get_settings

        rules = get_settings().risk_rules
    rule_set = load_rules(rules) if isinstance(rules, str) else rules
    counties = sorted(set(counties))
    publication = session.execute(
        select(RiskPublication.id, RiskPublication.date).where(RiskPublication.rule_set == rule_set.name,
                                                               RiskPublication.date <= day)
        .order_by(RiskPublication.date.desc()).limit(1)).first()
    graded: dict[str, str] = {}
    if publication is not None and counties:
        graded = dict(session.execute(select(RiskGrade.region_code, RiskGrade.level).where(
            RiskGrade.publication_id == publication.id, RiskGrade.region_code.in_(counties))).all())
    gates = {}
    for county in counties:
        level, published = rule_set.grey.key, None
        if graded.get(county) is not None:
            level, published = graded[county], publication.date
        known = rule_set.grey if level == rule_set.grey.key else rule_set.level(level)
        region = regions.find_in_any_vintage(county)
        gates[county] = Gate(county=county, county_name=region.name if region else county, level=level,
                             level_zh=known.zh, level_en=known.en, published=published,
                             measures=measures_for(level, rule_set))
    return gates


def severity_of_regions(session: Session, *, day: dt.date, rules: str | None = None):
    """``severity(region_code) -> int | None`` on a day, from the risk map (the health code's link)."""
    from fugong.healthcode.risklink import severity_from_risk

    severity = severity_from_risk(session, rule_set=rules)
    return lambda code: severity(code, day) if code else None
