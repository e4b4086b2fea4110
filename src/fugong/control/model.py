"""Composite-index models are data: a TOML file per model, validated into a ``Model``.

A model names its indicators (how each is normalised to a 0–100 score), its indices (which
indicators, with weights, how many must be present), the missing-data rules, the rounding and,
for the precision control index, the quadrant cut-offs. The annotated format is in
docs/control.md; the shipped presets are in ``presets/*.toml``.

Indicator kinds::

    [[indicators]]                       # OxCGRT-style ordinal scale 0…max, optional flag
    code = "C1"  kind = "ordinal"  max = 3  flag = true
    # score = 100 · (v − ½·(F − f)) / max, and 0 when v = 0 (OxCGRT index methodology, eq. 2):
    # F = 1 for an indicator with a flag, f = the recorded flag (1 general, 0 targeted).

    [[indicators]]                       # a measured quantity, clamped to its bounds
    code = "days_since_local_case"  kind = "continuous"  lower = 0  upper = 14  direction = "up"
    # up:   score = 100 · (x − lower) / (upper − lower)
    # down: score = 100 · (upper − x) / (upper − lower)       (x clamped to [lower, upper])

Indices::

    [[indices]]
    code = "stringency"  indicators = ["C1", …, "H1"]  required = "k-1"   # or a number
    weights = { C1 = 2 }                                                   # optional, default 1

Errors name the file, the key and the reason::

    ModelError: presets/x.toml: indicators[2].max: 0 is not a whole number ≥ 1
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

PRESETS_DIR = Path(__file__).parent / "presets"
KINDS = ("ordinal", "continuous")
DIRECTIONS = ("up", "down")
MISSING_SCORES = ("zero", "skip")
ROUNDING_MODES = ("half_even", "half_up")
REGION_CODES = ("gb2260", "any")
CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")


class ModelError(ValueError):
    """A model file is malformed; the message names the file, the key and the reason."""

    def __init__(self, source: str, key: str, reason: str):
        self.source, self.key, self.reason = source, key, reason
        super().__init__(f"{source}: {key}: {reason}")


@dataclass(frozen=True)
class Indicator:
    code: str
    kind: str  # ordinal | continuous
    zh: str
    en: str
    max: int = 0  # ordinal
    flag: bool = False  # ordinal: has a flag variable (F = 1)
    lower: Fraction = Fraction(0)  # continuous
    upper: Fraction = Fraction(1)
    direction: str = "up"
    unit: str = ""
    origin: str = ""  # e.g. "source: 浙江发布 2020-02-18" or "ours: …"
    reason_zh: str = ""
    reason_en: str = ""


@dataclass(frozen=True)
class Index:
    code: str
    zh: str
    en: str
    indicators: tuple[str, ...]
    weights: tuple[Fraction, ...]
    required: int  # an index is null when fewer indicators than this are present
    required_rule: str  # "k-1" or "fixed", as written

    @property
    def k(self) -> int:
        return len(self.indicators)


@dataclass(frozen=True)
class Missing:
    score: str = "zero"  # zero: a missing indicator scores 0 in the mean; skip: mean of those present
    flag: int = 0  # the flag assumed when a flagged indicator has a value but no flag recorded
    recent_days: int = 7  # the window of the recency rule and of the display series
    recent_rule: bool = True  # reject a recent day with fewer indicators than another recent day
    display_days: int = 7  # the display series carries the last good value forward over this window


@dataclass(frozen=True)
class Rounding:
    decimals: int = 2
    mode: str = "half_even"


@dataclass(frozen=True)
class Quadrant:
    """Risk level (severity 0–4 of the risk rule set) against one index of this model."""

    index: str
    open_from: Fraction  # index ≥ open_from: open
    closed_below: Fraction  # index < closed_below: closed (between: partly open)
    low_risk_max_severity: int  # severity ≤ this: low risk
    high_risk_min_severity: int  # severity ≥ this: high risk


@dataclass(frozen=True)
class Model:
    name: str
    title_zh: str
    title_en: str
    source: str
    region_codes: str  # gb2260: region codes are checked against GB/T 2260; any: free (OxCGRT)
    indicators: tuple[Indicator, ...]
    indices: tuple[Index, ...]
    missing: Missing = Missing()
    rounding: Rounding = Rounding()
    quadrant: Quadrant | None = None
    path: str = ""
    digest: str = ""  # sha256 of the file's bytes: the model version a result was computed with
    notes: str = ""
    extra: dict = field(default_factory=dict)

    def indicator(self, code: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.code == code:
                return indicator
        raise KeyError(code)

    def index(self, code: str) -> Index:
        for index in self.indices:
            if index.code == code:
                return index
        raise KeyError(code)

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.indicators)


# ---------------------------------------------------------------- loading


def preset_names() -> list[str]:
    return sorted(p.name.removesuffix(".toml") for p in PRESETS_DIR.glob("*.toml"))


def model_path(name_or_path: str | Path) -> Path:
    """The file of a preset name (``oxcgrt-v3.6``) or of a path; ModelError if neither exists."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.exists():
            raise ModelError(str(path), "file", "not found")
        return path
    preset = PRESETS_DIR / f"{name_or_path}.toml"
    if not preset.exists():
        raise ModelError(str(name_or_path), "name", f"no such preset; presets are {', '.join(preset_names())}")
    return preset


def load_model(name_or_path: str | Path) -> Model:
    """A preset by name or a model file by path (parsed once per file version)."""
    path = model_path(name_or_path)
    return _load_file(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _load_file(path: str, _modified: int) -> Model:
    from fugong.risk.rules import read_toml  # folders, size, encodings, nesting: named as for rule sets

    data = read_toml(Path(path), ModelError)
    raw = Path(path).read_bytes()
    model = parse_model(data, source=path)
    return Model(**{**model.__dict__, "path": path, "digest": hashlib.sha256(raw).hexdigest()})


def parse_model(data: dict, *, source: str = "<model>") -> Model:
    """Validate a decoded TOML document into a Model (ModelError names the file and the key)."""
    p = _Parser(source)
    p.check_keys(data, "", {"name", "title_zh", "title_en", "source", "region_codes", "indicators", "indices",
                            "missing", "rounding", "quadrant", "notes"})
    indicators = p.indicators(data.get("indicators"))
    codes = {i.code for i in indicators}
    indices = p.indices(data.get("indices"), codes)
    region_codes = data.get("region_codes", "gb2260")
    if region_codes not in REGION_CODES:
        p.fail("region_codes", f"{region_codes!r} is not one of {', '.join(REGION_CODES)}")
    quadrant = p.quadrant(data["quadrant"], {i.code for i in indices}) if "quadrant" in data else None
    return Model(
        name=p.text(data, "name"),
        title_zh=p.text(data, "title_zh"),
        title_en=p.text(data, "title_en"),
        source=p.text(data, "source"),
        region_codes=region_codes,
        indicators=indicators,
        indices=indices,
        missing=p.missing(data.get("missing", {})),
        rounding=p.rounding(data.get("rounding", {})),
        quadrant=quadrant,
        path=source,
        notes=str(data.get("notes", "")),
    )


def _exact(value: Any) -> Fraction:
    """A TOML number as an exact fraction of its decimal text (0.1 → 1/10, not the binary double)."""
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


class _Parser:
    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, reason: str):
        raise ModelError(self.source, key or "(top level)", reason)

    def check_keys(self, table: Any, where: str, allowed: set[str]) -> None:
        if not isinstance(table, dict):
            self.fail(where, "must be a table")
        for key in table:
            if key not in allowed:
                self.fail(f"{where}.{key}" if where else key, f"unknown key; allowed keys are {', '.join(sorted(allowed))}")

    def text(self, table: dict, key: str, where: str | None = None, *, required: bool = True) -> str:
        value = table.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(where or key, "required text is missing or empty")
        return value

    def number(self, value: Any, where: str) -> Fraction:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value in (
                float("inf"), float("-inf")):
            self.fail(where, f"{value!r} is not a finite number")
        return _exact(value)

    def whole(self, value: Any, where: str, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(where, f"{value!r} is not a whole number ≥ {minimum}")
        return value

    def code(self, table: dict, where: str) -> str:
        code = self.text(table, "code", f"{where}.code")
        if not CODE.match(code):
            self.fail(f"{where}.code", f"{code!r} is not a code (a letter, then letters, digits or _; at most 40)")
        return code

    def indicators(self, raw: Any) -> tuple[Indicator, ...]:
        if not isinstance(raw, list) or not raw:
            self.fail("indicators", "at least one [[indicators]] table is required")
        out, seen = [], set()
        for i, item in enumerate(raw):
            where = f"indicators[{i}]"
            self.check_keys(item, where, {"code", "kind", "zh", "en", "max", "flag", "lower", "upper", "direction",
                                          "unit", "origin", "reason_zh", "reason_en"})
            code = self.code(item, where)
            if code in seen:
                self.fail(f"{where}.code", f"duplicate indicator {code!r}")
            seen.add(code)
            kind = item.get("kind")
            if kind not in KINDS:
                self.fail(f"{where}.kind", f"{kind!r} is not one of {', '.join(KINDS)}")
            common = dict(code=code, kind=kind, zh=self.text(item, "zh", f"{where}.zh"),
                          en=self.text(item, "en", f"{where}.en"), unit=str(item.get("unit", "")),
                          origin=str(item.get("origin", "")), reason_zh=str(item.get("reason_zh", "")),
                          reason_en=str(item.get("reason_en", "")))
            if kind == "ordinal":
                for key in ("lower", "upper", "direction"):
                    if key in item:
                        self.fail(f"{where}.{key}", "only for continuous indicators")
                flag = item.get("flag", False)
                if not isinstance(flag, bool):
                    self.fail(f"{where}.flag", f"{flag!r} is not true or false")
                out.append(Indicator(**common, max=self.whole(item.get("max"), f"{where}.max", 1), flag=flag))
            else:
                for key in ("max", "flag"):
                    if key in item:
                        self.fail(f"{where}.{key}", "only for ordinal indicators")
                lower = self.number(item.get("lower"), f"{where}.lower")
                upper = self.number(item.get("upper"), f"{where}.upper")
                if upper <= lower:
                    self.fail(f"{where}.upper", f"{item.get('upper')!r} must be greater than lower {item.get('lower')!r}")
                direction = item.get("direction")
                if direction not in DIRECTIONS:
                    self.fail(f"{where}.direction", f"{direction!r} is not one of {', '.join(DIRECTIONS)} "
                                                    "(up: a higher value scores higher)")
                out.append(Indicator(**common, lower=lower, upper=upper, direction=direction))
        return tuple(out)

    def indices(self, raw: Any, codes: set[str]) -> tuple[Index, ...]:
        if not isinstance(raw, list) or not raw:
            self.fail("indices", "at least one [[indices]] table is required")
        out, seen = [], set()
        for i, item in enumerate(raw):
            where = f"indices[{i}]"
            self.check_keys(item, where, {"code", "zh", "en", "indicators", "weights", "required"})
            code = self.code(item, where)
            if code in seen:
                self.fail(f"{where}.code", f"duplicate index {code!r}")
            seen.add(code)
            members = item.get("indicators")
            if not isinstance(members, list) or not members or not all(isinstance(m, str) for m in members):
                self.fail(f"{where}.indicators", "must be a non-empty list of indicator codes")
            for j, member in enumerate(members):
                if member not in codes:
                    self.fail(f"{where}.indicators[{j}]", f"unknown indicator {member!r}")
            if len(set(members)) != len(members):
                self.fail(f"{where}.indicators", "an indicator is listed twice")
            weights_raw = item.get("weights", {})
            self.check_keys(weights_raw, f"{where}.weights", set(members))
            weights = tuple(self.number(weights_raw.get(m, 1), f"{where}.weights.{m}") for m in members)
            for member, weight in zip(members, weights):
                if weight <= 0:
                    self.fail(f"{where}.weights.{member}", "a weight must be greater than 0")
            required_raw = item.get("required", "k-1")
            k = len(members)
            if required_raw == "k-1":
                required, rule = max(k - 1, 1), "k-1"
            elif required_raw == "k":
                required, rule = k, "k"
            else:
                required = self.whole(required_raw, f"{where}.required", 1)
                if required > k:
                    self.fail(f"{where}.required", f"{required} is more than the {k} indicators of the index")
                rule = "fixed"
            out.append(Index(code, self.text(item, "zh", f"{where}.zh"), self.text(item, "en", f"{where}.en"),
                             tuple(members), weights, required, rule))
        return tuple(out)

    def missing(self, raw: Any) -> Missing:
        self.check_keys(raw, "missing", {"score", "flag", "recent_days", "recent_rule", "display_days"})
        score = raw.get("score", "zero")
        if score not in MISSING_SCORES:
            self.fail("missing.score", f"{score!r} is not one of {', '.join(MISSING_SCORES)}")
        flag = raw.get("flag", 0)
        if flag not in (0, 1) or isinstance(flag, bool):
            self.fail("missing.flag", f"{flag!r} is not 0 (targeted) or 1 (general)")
        recent_rule = raw.get("recent_rule", True)
        if not isinstance(recent_rule, bool):
            self.fail("missing.recent_rule", f"{recent_rule!r} is not true or false")
        return Missing(score=score, flag=flag,
                       recent_days=self.whole(raw.get("recent_days", 7), "missing.recent_days", 1),
                       recent_rule=recent_rule,
                       display_days=self.whole(raw.get("display_days", 7), "missing.display_days", 0))

    def rounding(self, raw: Any) -> Rounding:
        self.check_keys(raw, "rounding", {"decimals", "mode"})
        mode = raw.get("mode", "half_even")
        if mode not in ROUNDING_MODES:
            self.fail("rounding.mode", f"{mode!r} is not one of {', '.join(ROUNDING_MODES)}")
        decimals = self.whole(raw.get("decimals", 2), "rounding.decimals", 0)
        if decimals > 6:
            self.fail("rounding.decimals", f"{decimals} is more than 6")
        return Rounding(decimals, mode)

    def quadrant(self, raw: Any, index_codes: set[str]) -> Quadrant:
        self.check_keys(raw, "quadrant", {"index", "open_from", "closed_below", "low_risk_max_severity",
                                          "high_risk_min_severity"})
        index = self.text(raw, "index", "quadrant.index")
        if index not in index_codes:
            self.fail("quadrant.index", f"unknown index {index!r}; indices are {', '.join(sorted(index_codes))}")
        open_from = self.number(raw.get("open_from"), "quadrant.open_from")
        closed_below = self.number(raw.get("closed_below"), "quadrant.closed_below")
        if not 0 <= closed_below <= open_from <= 100:
            self.fail("quadrant.open_from", "needs 0 ≤ closed_below ≤ open_from ≤ 100")
        low = self.whole(raw.get("low_risk_max_severity"), "quadrant.low_risk_max_severity", 0)
        high = self.whole(raw.get("high_risk_min_severity"), "quadrant.high_risk_min_severity", 0)
        if not low < high <= 4:
            self.fail("quadrant.high_risk_min_severity", "needs low_risk_max_severity < high_risk_min_severity ≤ 4")
        return Quadrant(index, open_from, closed_below, low, high)
