"""Filing policies as data: who may file when, the checklist, and how a filing is decided.

A policy is a TOML file (presets in ``policies/``, or any path via ``FUGONG_RESUMPTION_POLICY``)::

    name, version, title_zh, title_en, source
    mode = "commitment" | "review"
    [checklist]   prevention_plan, protective_stock_days, staff_green_share, safety_posts_covered
    [pledge]      version, zh, en                       (commitment: the text the enterprise signs)
    [sampling]    rate, risk_staff_weight, risk_area_severity, seed, confirm_after_days, [level_weights]
    [[periods]]   key, zh, en, starts_on, illustrative, classes = [...], flags = [...]
    [[priorities]] key, zh, en and any of: any_class, any_flag, above_scale, size_in, answer, all_answers

Rules:
- **periods** (Wenzhou): an enterprise may file from the first period whose ``classes`` (measures
  vocabulary, ``white_list`` while on a current white list) or ``flags`` it matches; before that
  day the filing is refused with the period and its date. No periods: anyone, any day.
- **priorities** (Shanghai 四优先): criteria in order; a criterion is met when ANY of its tests holds;
  the score is Σ 2^(n−1−i) over met criteria i (criterion 1 outranks all later ones together).
- **sampling** (commitment): p = min(1, rate × level_weight × (1 + risk_staff_weight × share of the
  staff whose origin region is graded at ``risk_area_severity`` or above)); the draw
  u = sha256("seed:filing id") / 2^256 is sampled when u < p — reproducible, so anyone can re-check
  why a firm was (not) chosen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

PRESETS = resources.files("fugong.resumption") / "policies"
MODES = ("commitment", "review")
CHECKLIST_KEYS = ("prevention_plan", "protective_stock_days", "staff_green_share", "safety_posts_covered")
TESTS = ("any_class", "any_flag", "above_scale", "size_in", "answer", "all_answers")


class PolicyError(ValueError):
    """A malformed policy file; the message names the file and the field."""


class FilingRefused(ValueError):
    """The policy does not let this enterprise file (yet); zh and en say why."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class Period:
    key: str
    zh: str
    en: str
    starts_on: dt.date
    classes: tuple[str, ...]
    flags: tuple[str, ...]
    illustrative: bool


@dataclass(frozen=True)
class Priority:
    key: str
    zh: str
    en: str
    tests: dict

    def met(self, *, classes, flags, above_scale, size_class, answers) -> bool:
        t = self.tests
        return any((
            bool(set(t.get("any_class", ())) & set(classes)),
            bool(set(t.get("any_flag", ())) & set(flags)),
            t.get("above_scale") is True and above_scale is True,
            size_class in t.get("size_in", ()),
            bool(t.get("answer")) and bool(answers.get(t["answer"])),
            bool(t.get("all_answers")) and all(bool(answers.get(a)) for a in t["all_answers"]),
        ))


@dataclass(frozen=True)
class Sampling:
    rate: float = 0.10
    risk_staff_weight: float = 1.0
    risk_area_severity: int = 3
    seed: str = "fugong"
    confirm_after_days: int = 7
    level_weights: dict = field(default_factory=dict)

    def probability(self, *, level: str, risk_staff_share: float) -> float:
        weight = float(self.level_weights.get(level, 1.0))
        return max(0.0, min(1.0, self.rate * weight * (1.0 + self.risk_staff_weight * risk_staff_share)))

    def draw(self, filing_id: str) -> float:
        digest = hashlib.sha256(f"{self.seed}:{filing_id}".encode()).digest()
        return int.from_bytes(digest, "big") / 2 ** 256


@dataclass(frozen=True)
class Policy:
    name: str
    version: int
    title_zh: str
    title_en: str
    source: str
    mode: str
    checklist: dict
    pledge: dict | None
    sampling: Sampling | None
    periods: tuple[Period, ...]
    priorities: tuple[Priority, ...]
    path: str = ""

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def period_for(self, *, classes, flags) -> Period | None:
        """The first period the enterprise belongs to, or None if it matches none."""
        for period in self.periods:
            if set(period.classes) & set(classes) or set(period.flags) & set(flags):
                return period
        return None

    def check_window(self, *, classes, flags, day: dt.date) -> Period | None:
        """Raise FilingRefused if the enterprise may not file on ``day``; returns its period (or None)."""
        if not self.periods:
            return None
        period = self.period_for(classes=classes, flags=flags)
        if period is None:
            raise FilingRefused("本企业不属于任何复工时段", "the enterprise belongs to no resumption period of the policy")
        if day < period.starts_on:
            note_zh = "（示例日期）" if period.illustrative else ""
            note_en = " (illustrative date)" if period.illustrative else ""
            raise FilingRefused(f"本企业属于{period.zh}，{period.starts_on.isoformat()}{note_zh}起方可申报复工",
                                f"the enterprise belongs to {period.en}, which opens on "
                                f"{period.starts_on.isoformat()}{note_en}")
        return period

    def score(self, *, classes, flags, above_scale, size_class, answers) -> tuple[int, list[dict]]:
        n = len(self.priorities)
        met = []
        total = 0
        for i, priority in enumerate(self.priorities):
            ok = priority.met(classes=classes, flags=flags, above_scale=above_scale, size_class=size_class,
                              answers=answers)
            if ok:
                total += 2 ** (n - 1 - i)
            met.append({"key": priority.key, "zh": priority.zh, "en": priority.en, "met": ok})
        return total, met

    def as_dict(self) -> dict:
        return {"name": self.name, "version": self.version, "title_zh": self.title_zh, "title_en": self.title_en,
                "source": self.source, "mode": self.mode, "checklist": self.checklist,
                "pledge": self.pledge, "sampling": self.sampling.__dict__ if self.sampling else None,
                "periods": [{"key": p.key, "zh": p.zh, "en": p.en, "starts_on": p.starts_on.isoformat(),
                             "illustrative": p.illustrative, "classes": list(p.classes), "flags": list(p.flags)}
                            for p in self.periods],
                "priorities": [{"key": p.key, "zh": p.zh, "en": p.en} for p in self.priorities]}


def preset_names() -> list[str]:
    return sorted(p.name.removesuffix(".toml") for p in PRESETS.iterdir() if p.name.endswith(".toml"))


def load_policy(name_or_path: str | Path) -> Policy:
    """A preset by name ('commitment-harbin-2020') or a TOML file (cached per file version)."""
    text = str(name_or_path)
    if text in preset_names():
        path = Path(str(PRESETS / f"{text}.toml"))
    else:
        path = Path(text)
        if not path.exists():
            raise PolicyError(f"{text}: no such policy file or preset (presets: {', '.join(preset_names())})")
    return _load(str(path.resolve()), path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _load(path: str, _mtime: int) -> Policy:
    from fugong.risk.rules import read_toml  # folders, sizes, encodings, deep nesting: named

    data = read_toml(Path(path), lambda source, key, reason: PolicyError(f"{source}: {key}: {reason}"))
    return parse_policy(data, source=path)


def parse_policy(data: dict, *, source: str = "<policy>") -> Policy:
    """Validate a decoded policy file; PolicyError names the file and the field, for a missing field as
    for a value of the wrong type (a string where a share is due, a table where a list is)."""
    from fugong.enterprises.models import FLAGS, SIZE_CLASSES
    from fugong.errors import shown
    from fugong.risk.measures import ENTERPRISE_CLASSES

    def fail(where: str, message: str):
        raise PolicyError(f"{source}: {where}: {message}")

    def text(table: dict, key: str, where: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if not isinstance(value, str):
            fail(f"{where}{key}", f"text is required (got {shown(value)})")
        return value

    def number(table: dict, key: str, where: str, low: float, high: float, *, whole: bool = False, default=None):
        value = table.get(key, default)
        kinds = (int,) if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:  # NaN fails too
            fail(f"{where}{key}", f"a {'whole ' if whole else ''}number {low}–{high} (got {shown(value)})")
        return value

    def texts(table: dict, key: str, where: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            fail(f"{where}{key}", f"a list of texts is required (got {shown(value)})")
        return tuple(value)

    def tables(key: str) -> list[dict]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            fail(key, f"[[{key}]] tables are required (got {shown(value)})")
        return value

    for key in ("name", "version", "mode"):
        if key not in data:
            fail(key, "missing")
    name = text(data, "name", "")
    version = number(data, "version", "", 1, 10**9, whole=True)
    if data["mode"] not in MODES:
        fail("mode", f"{shown(data['mode'])}: accepted values are {', '.join(MODES)}")
    checklist = data.get("checklist", {})
    if not isinstance(checklist, dict):
        fail("checklist", f"a [checklist] table is required (got {shown(checklist)})")
    checklist = dict(checklist)
    for key, value in checklist.items():
        if key not in CHECKLIST_KEYS:
            fail(f"checklist.{key}", f"unknown item (accepted: {', '.join(CHECKLIST_KEYS)})")
        if key == "staff_green_share":
            number(checklist, key, "checklist.", 0, 1)
        elif key == "protective_stock_days":
            number(checklist, key, "checklist.", 0, 365, whole=True)
        elif not isinstance(value, bool):
            fail(f"checklist.{key}", f"true or false (got {shown(value)})")
    pledge = data.get("pledge")
    if pledge is not None:
        if not isinstance(pledge, dict):
            fail("pledge", f"a [pledge] table is required (got {shown(pledge)})")
        for key in ("version", "zh", "en"):
            text(pledge, key, "pledge.", "")
    if data["mode"] == "commitment":
        if not pledge or not all(pledge.get(k) for k in ("version", "zh", "en")):
            fail("pledge", "a commitment policy needs a pledge with version, zh and en")
    sampling = None
    if "sampling" in data:
        if not isinstance(data["sampling"], dict):
            fail("sampling", f"a [sampling] table is required (got {shown(data['sampling'])})")
        s = dict(data["sampling"])
        weights = s.pop("level_weights", {})
        unknown = set(s) - set(Sampling.__dataclass_fields__)
        if unknown:
            fail("sampling", f"unknown field(s) {', '.join(sorted(unknown))}")
        defaults = Sampling()
        number(s, "rate", "sampling.", 0, 1, default=defaults.rate)
        number(s, "risk_staff_weight", "sampling.", 0, 100, default=defaults.risk_staff_weight)
        number(s, "risk_area_severity", "sampling.", 0, 10, whole=True, default=defaults.risk_area_severity)
        number(s, "confirm_after_days", "sampling.", 0, 365, whole=True, default=defaults.confirm_after_days)
        text(s, "seed", "sampling.", defaults.seed)
        if not isinstance(weights, dict):
            fail("sampling.level_weights", f"a table of level = weight is required (got {shown(weights)})")
        for level in weights:
            number(weights, level, "sampling.level_weights.", 0, 100)
        sampling = Sampling(level_weights=dict(weights), **s)
    periods = []
    for n, p in enumerate(tables("periods")):
        where = f"periods[{n}]."
        starts = p.get("starts_on")
        if type(starts) is not dt.date:  # a TOML date; a date-time is not a day
            fail(f"{where}starts_on", "a date such as 2020-02-17 is required")
        for cls in texts(p, "classes", where):
            if cls not in ENTERPRISE_CLASSES:
                fail(f"{where}classes", f"unknown class {shown(cls)}")
        for flag in texts(p, "flags", where):
            if flag not in FLAGS:
                fail(f"{where}flags", f"unknown flag {shown(flag)}")
        illustrative = p.get("illustrative", False)
        if not isinstance(illustrative, bool):
            fail(f"{where}illustrative", f"true or false (got {shown(illustrative)})")
        periods.append(Period(text(p, "key", where, f"p{n + 1}"), text(p, "zh", where, ""), text(p, "en", where, ""),
                              starts, texts(p, "classes", where), texts(p, "flags", where), illustrative))
    if [p.starts_on for p in periods] != sorted(p.starts_on for p in periods):
        fail("periods", "periods must be in order of their start dates")
    priorities = []
    for n, p in enumerate(tables("priorities")):
        where = f"priorities[{n}]."
        tests = {k: p[k] for k in TESTS if k in p}
        if not tests:
            fail(f"priorities[{n}]", f"needs at least one test ({', '.join(TESTS)})")
        for key in ("any_class", "any_flag", "size_in", "all_answers"):
            if key in tests:
                tests[key] = texts(p, key, where)
        if "answer" in tests:
            text(p, "answer", where)
        if "above_scale" in tests and not isinstance(tests["above_scale"], bool):
            fail(f"{where}above_scale", f"true or false (got {shown(tests['above_scale'])})")
        for size in tests.get("size_in", ()):
            if size not in SIZE_CLASSES:
                fail(f"{where}size_in", f"unknown size {shown(size)}")
        priorities.append(Priority(text(p, "key", where, f"c{n + 1}"), text(p, "zh", where, ""), text(p, "en", where, ""),
                                   tests))
    return Policy(name=name, version=int(version), title_zh=text(data, "title_zh", "", name),
                  title_en=text(data, "title_en", "", name), source=text(data, "source", "", ""), mode=data["mode"],
                  checklist=checklist, pledge=pledge, sampling=sampling, periods=tuple(periods),
                  priorities=tuple(priorities), path=source)
