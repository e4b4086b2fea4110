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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fugong.errors import shown
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
    "DENY_OFFLINE_TOO_OLD": ("离线记录超过24小时，不予采信", "Offline record older than 24 hours: not accepted"),
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
        raise RuleSetError(f"unknown colour rule set {shown(name_or_path)}: presets are {', '.join(preset_names())}")
    from fugong.risk.rules import read_toml

    data = read_toml(path, lambda source, key, reason: RuleSetError(f"{source}: {key}: {reason}"))
    return parse_rule_set(data, source=str(path))


def _tables(data: dict, key: str, fail) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise fail(key, f"must be an array of tables ([[{key}]])")
    return value


def _whole(raw: dict, key: str, default: int, where: str, fail) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not -10_000 <= value <= 10_000:
        raise fail(where, f"{shown(value)} is not a whole number")
    return value


def parse_rule_set(data: dict, *, source: str = "<rules>") -> RuleSet:
    def fail(where: str, message: str) -> RuleSetError:
        return RuleSetError(f"{source}: {where}: {message}")

    if not isinstance(data, dict):
        raise fail("(top level)", "must be a TOML table")
    rules = []
    for i, raw in enumerate(_tables(data, "rule", fail), start=1):
        colour, when = raw.get("colour"), raw.get("when")
        if not isinstance(colour, str) or colour not in ("yellow", "red"):
            raise fail(f"rule {i} colour", f"{shown(colour)} is not yellow or red")
        if not isinstance(when, str) or when not in RULE_KINDS:
            raise fail(f"rule {i} when", f"{shown(when)} is not one of {', '.join(RULE_KINDS)}")
        lists = raw.get("lists", [])
        if not isinstance(lists, list) or (bad := [k for k in lists if not isinstance(k, str) or k not in LIST_KINDS]):
            raise fail(f"rule {i} lists", f"must be a list of {', '.join(LIST_KINDS)}")
        severity = _whole(raw, "min_severity", 3, f"rule {i} min_severity", fail)
        if not 0 <= severity <= 4:
            raise fail(f"rule {i} min_severity", "must be 0..4")
        window = _whole(raw, "window_days", 14, f"rule {i} window_days", fail)
        count = _whole(raw, "min_count", 1, f"rule {i} min_count", fail)
        if window < 0 or count < 0:
            raise fail(f"rule {i}", "window_days and min_count must be ≥ 0")
        rules.append(Rule(colour, when, tuple(lists), severity, window, count))
    recovery = []
    for i, raw in enumerate(_tables(data, "recovery", fail), start=1):
        source_colour, target = raw.get("from"), raw.get("to")
        if not isinstance(source_colour, str) or not isinstance(target, str) \
                or source_colour not in COLOURS or target not in COLOURS:
            raise fail(f"recovery {i}", "from and to must be green, yellow or red")
        if RANK[target] >= RANK[source_colour]:
            raise fail(f"recovery {i}", "recovery must lower the colour")
        days = _whole(raw, "days", 0, f"recovery {i} days", fail)
        if days < 1:
            raise fail(f"recovery {i} days", "must be at least 1")
        recovery.append(Recovery(source_colour, target, days, raw.get("after_list_end", False) is True))
    for key in ("name", "fever_threshold"):
        if key not in data:
            raise fail(key, "missing")
    name, threshold = data["name"], data["fever_threshold"]
    if not isinstance(name, str) or not name.strip() or len(name) > 40:
        raise fail("name", "1–40 characters of text")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 35.0 <= threshold <= 42.0:
        raise fail("fever_threshold", f"{shown(threshold)} is not a temperature between 35 and 42 °C")
    titles = [data.get(key, name) for key in ("title_zh", "title_en")]
    if not all(isinstance(title, str) for title in titles):
        raise fail("title_zh/title_en", "must be text")
    return RuleSet(name=name, title_zh=titles[0], title_en=titles[1], fever_threshold=float(threshold),
                   rules=tuple(rules), recovery=tuple(recovery))


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
