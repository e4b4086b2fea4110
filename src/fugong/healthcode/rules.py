"""Colour rule sets as data (TOML presets in ``presets/``) and the reasons shown to people.

A rule set has trigger rules (the initial colour is the highest one triggered) and recovery steps
(consecutive normal daily check-ins lower the colour)::

    [[rule]]      colour = "yellow", when = "travel_to_risk_region", min_severity = 3, window_days = 14
    [[recovery]]  from = "yellow", to = "green", days = 7

Rule kinds (``when``): on_list, fever, contact_with_case, false_declaration,
travel_to_risk_region, symptoms. Travel uses a ``severity_of(region_code, date) -> int | None``
callable (0 lowest .. 4 highest risk, None when not graded), supplied by the risk map.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fugong.healthcode.models import COLOURS, RANK

PRESETS = Path(__file__).parent / "presets"
LIST_KINDS = ("confirmed", "suspected", "close_contact", "quarantine")
RULE_KINDS = ("on_list", "fever", "contact_with_case", "false_declaration", "travel_to_risk_region", "symptoms")

SeverityOf = Callable[[str, dt.date], "int | None"]

# Reason codes: every colour change and every gate decision carries one (zh first, en too).
REASONS: dict[str, tuple[str, str]] = {
    "NO_RISK": ("申报无风险", "No risk found in the declaration"),
    "LIST_CONFIRMED": ("确诊病例名单", "On the list of confirmed cases"),
    "LIST_SUSPECTED": ("疑似病例名单", "On the list of suspected cases"),
    "LIST_CLOSE_CONTACT": ("密切接触者名单", "On the list of close contacts"),
    "LIST_QUARANTINE": ("隔离人员名单", "On the list of people under quarantine"),
    "FEVER": ("体温≥37.3℃", "Temperature at or above 37.3 °C"),
    "CONTACT_WITH_CASE": ("申报与病例接触", "Declared contact with a case"),
    "FALSE_DECLARATION": ("虚假申报", "False declaration"),
    "TRAVEL_RISK_REGION": ("14天内到过风险地区", "Travel to a risk region within 14 days"),
    "SYMPTOMS": ("申报有症状", "Declared symptoms"),
    "RECOVERED_CHECKINS": ("连续健康打卡达标", "Enough consecutive normal daily check-ins"),
    "RECOVERED_AFTER_CURE": ("治愈或解除隔离后连续无症状", "Symptom-free days after cure or release"),
    "MANUAL_OVERRIDE": ("经双人审核人工调整", "Manual change approved by two officers"),
    "PASS_GREEN": ("绿码，体温正常，通行", "Green code, normal temperature: pass"),
    "DENY_YELLOW": ("黄码，禁止通行", "Yellow code: no entry"),
    "DENY_RED": ("红码，禁止通行", "Red code: no entry"),
    "DENY_FEVER": ("体温≥37.3℃，禁止通行并上报", "Temperature at or above 37.3 °C: no entry, reported"),
    "DENY_MALFORMED": ("无法识别的码", "Unreadable code"),
    "DENY_UNKNOWN_KEY": ("未知签发密钥", "Unknown signing key"),
    "DENY_BAD_SIGNATURE": ("签名无效（伪造或篡改）", "Invalid signature (forged or altered)"),
    "DENY_EXPIRED": ("码已过期（截图无效）", "Code expired (screenshots do not work)"),
    "DENY_NOT_YET_VALID": ("码的签发时间在未来", "Code issued in the future"),
    "DENY_REVOKED": ("码已作废", "Code revoked"),
    "DENY_REPLAY": ("此码已在本闸口使用", "Code already used at this gate"),
    "DENY_NO_COLOUR": ("尚未申报", "No declaration yet"),
}


def reason_text(code: str) -> dict:
    zh, en = REASONS.get(code, (code, code))
    return {"code": code, "zh": zh, "en": en}


class RuleSetError(ValueError):
    """A rule set file is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class Rule:
    colour: str
    when: str
    lists: tuple[str, ...] = ()
    min_severity: int = 3
    window_days: int = 14
    min_count: int = 1


@dataclass(frozen=True)
class Recovery:
    from_colour: str
    to_colour: str
    days: int
    after_list_end: bool = False


@dataclass(frozen=True)
class RuleSet:
    name: str
    title_zh: str
    title_en: str
    fever_threshold: float
    rules: tuple[Rule, ...]
    recovery: tuple[Recovery, ...] = field(default=())

    def recovery_from(self, colour: str) -> Recovery | None:
        return next((r for r in self.recovery if r.from_colour == colour), None)


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS.glob("*.toml"))


@lru_cache(maxsize=16)
def load_rule_set(name_or_path: str) -> RuleSet:
    """A preset by name (``hangzhou-2020``, ``hubei-2020``) or a TOML file path."""
    path = PRESETS / f"{name_or_path}.toml"
    if not path.exists():
        path = Path(name_or_path)
    if not path.exists():
        raise RuleSetError(f"unknown colour rule set {name_or_path!r}: presets are {', '.join(preset_names())}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return parse_rule_set(data, source=str(path))


def parse_rule_set(data: dict, *, source: str = "<rules>") -> RuleSet:
    def fail(where: str, message: str) -> RuleSetError:
        return RuleSetError(f"{source}: {where}: {message}")

    rules = []
    for i, raw in enumerate(data.get("rule", []), start=1):
        if raw.get("colour") not in ("yellow", "red"):
            raise fail(f"rule {i} colour", f"{raw.get('colour')!r} is not yellow or red")
        if raw.get("when") not in RULE_KINDS:
            raise fail(f"rule {i} when", f"{raw.get('when')!r} is not one of {', '.join(RULE_KINDS)}")
        lists = tuple(raw.get("lists", ()))
        if bad := [k for k in lists if k not in LIST_KINDS]:
            raise fail(f"rule {i} lists", f"unknown list {bad[0]!r}")
        severity = int(raw.get("min_severity", 3))
        if not 0 <= severity <= 4:
            raise fail(f"rule {i} min_severity", "must be 0..4")
        rules.append(Rule(raw["colour"], raw["when"], lists, severity, int(raw.get("window_days", 14)),
                          int(raw.get("min_count", 1))))
    recovery = []
    for i, raw in enumerate(data.get("recovery", []), start=1):
        if raw.get("from") not in COLOURS or raw.get("to") not in COLOURS:
            raise fail(f"recovery {i}", "from and to must be green, yellow or red")
        if RANK[raw["to"]] >= RANK[raw["from"]]:
            raise fail(f"recovery {i}", "recovery must lower the colour")
        if int(raw.get("days", 0)) < 1:
            raise fail(f"recovery {i} days", "must be at least 1")
        recovery.append(Recovery(raw["from"], raw["to"], int(raw["days"]), bool(raw.get("after_list_end", False))))
    for key in ("name", "fever_threshold"):
        if key not in data:
            raise fail(key, "missing")
    return RuleSet(
        name=data["name"], title_zh=data.get("title_zh", data["name"]), title_en=data.get("title_en", data["name"]),
        fever_threshold=float(data["fever_threshold"]), rules=tuple(rules), recovery=tuple(recovery),
    )


@dataclass(frozen=True)
class Facts:
    """What the rules look at: current list entries and (optionally) one declaration or check-in."""

    lists: frozenset[str] = frozenset()  # kinds of the person's current list entries
    temperature: float | None = None
    symptoms: tuple[str, ...] = ()
    contact_with_case: bool = False
    false_declaration: bool = False
    travel: tuple[tuple[str, dt.date], ...] = ()  # (region code, date)
    on: dt.date | None = None  # the declaration's day (for the travel window)


def no_severity(_region: str, _day: dt.date) -> int | None:
    return None


def triggered(rule_set: RuleSet, facts: Facts, severity_of: SeverityOf = no_severity) -> list[tuple[str, str]]:
    """Every (colour, reason code) a rule set triggers on these facts, highest colour first."""
    hits: list[tuple[str, str]] = []
    for rule in rule_set.rules:
        if rule.when == "on_list":
            hits += [(rule.colour, f"LIST_{k.upper()}") for k in rule.lists if k in facts.lists]
        elif rule.when == "fever":
            if facts.temperature is not None and facts.temperature >= rule_set.fever_threshold:
                hits.append((rule.colour, "FEVER"))
        elif rule.when == "contact_with_case":
            if facts.contact_with_case:
                hits.append((rule.colour, "CONTACT_WITH_CASE"))
        elif rule.when == "false_declaration":
            if facts.false_declaration:
                hits.append((rule.colour, "FALSE_DECLARATION"))
        elif rule.when == "symptoms":
            if len(facts.symptoms) >= rule.min_count:
                hits.append((rule.colour, "SYMPTOMS"))
        elif rule.when == "travel_to_risk_region":
            since = (facts.on or dt.date.max) - dt.timedelta(days=rule.window_days)
            for region, day in facts.travel:
                if facts.on is not None and day < since:
                    continue
                severity = severity_of(region, day)
                if severity is not None and severity >= rule.min_severity:
                    hits.append((rule.colour, "TRAVEL_RISK_REGION"))
                    break
    hits.sort(key=lambda hit: -RANK[hit[0]])
    return hits


def highest(hits: list[tuple[str, str]]) -> tuple[str, str]:
    """The initial colour: the highest triggered, or green with NO_RISK."""
    return hits[0] if hits else ("green", "NO_RISK")
