"""Measures per level: what may resume, whether commitment-based resumption is allowed, transport.

The resumption workflow reads them with ``measures_for(level, rules)``::

    >>> measures_for("medium", load_rules("cn-national-2020")).allows("industrial")
    True

Enterprise classes (the vocabulary the rule sets use):
"""

from __future__ import annotations

from dataclasses import dataclass

from fugong.risk.rules import RuleSet, load_rules

ENTERPRISE_CLASSES: dict[str, tuple[str, str]] = {
    "epidemic_supplies": ("防疫物资生产", "epidemic-control supplies"),
    "public_utilities": ("公用事业与民生保障", "public utilities and essential services"),
    "white_list": ("白名单重点企业", "white-list key enterprises"),
    "industrial": ("一般工业企业", "other industrial enterprises"),
    "services": ("商贸服务业", "trade and services"),
    "crowded_venues": ("人员密集场所", "crowded venues"),
}
TRANSPORT: dict[str, tuple[str, str]] = {
    "open": ("交通正常", "transport open"),
    "checked": ("交通查验（测温、健康码）", "transport checked (temperature, health code)"),
    "restricted": ("交通管制，仅限必要出行", "transport restricted to essential travel"),
}


@dataclass(frozen=True)
class Measures:
    level: str
    severity: int | None
    enterprise_classes: tuple[str, ...]
    commitment_resumption: bool
    transport: str
    zh: str
    en: str

    def allows(self, enterprise_class: str) -> bool:
        return enterprise_class in self.enterprise_classes

    def as_dict(self) -> dict:
        return {"level": self.level, "severity": self.severity, "enterprise_classes": list(self.enterprise_classes),
                "commitment_resumption": self.commitment_resumption, "transport": self.transport,
                "transport_zh": TRANSPORT.get(self.transport, (self.transport,) * 2)[0],
                "transport_en": TRANSPORT.get(self.transport, (self.transport,) * 2)[1],
                "zh": self.zh, "en": self.en}


def measures_for(level: str, rules: RuleSet | str) -> Measures:
    """The measures profile of ``level`` in a rule set (a RuleSet, a preset name or a file).

    A level without its own profile (or grey without one) gets the most severe level's profile:
    when in doubt, the cautious measures apply.
    """
    if isinstance(rules, str):
        rules = load_rules(rules)
    known = rules.level(level)
    profile = rules.measures.get(level)
    if profile is None:
        profile = rules.measures.get(rules.graded_levels[-1].key, {})
    classes = tuple(profile.get("enterprise_classes", ()))
    unknown = [c for c in classes if c not in ENTERPRISE_CLASSES]
    if unknown:
        raise ValueError(f"{rules.path}: measures.{level}.enterprise_classes: unknown class(es) {', '.join(unknown)}")
    return Measures(level=level, severity=known.severity, enterprise_classes=classes,
                    commitment_resumption=bool(profile.get("commitment_resumption", False)),
                    transport=str(profile.get("transport", "restricted")),
                    zh=str(profile.get("zh", "")), en=str(profile.get("en", "")))
