"""Rule sets are data: a TOML file per rule set, validated into a ``RuleSet``.

A rule set names its levels (severity 0–4, colour, Chinese and English labels), one rule (four
types, below), the inputs it may do without (``[inputs.<column>] fallback = …``), grey conditions,
hysteresis, the publication cadence and a measures profile per level. The annotated format is in
docs/risk.md; the shipped presets are in ``presets/*.toml``.

Rule types (``[rule] type = …``):

- ``first_match``: ordered cases, each ``all = [conditions]`` and/or ``any = [conditions]``; the
  first case that holds gives the level (cn-national-2020).
- ``score``: weighted components, each a points ladder on one indicator, plus adjustments; the sum
  is cut into levels by ``cutoffs`` (zj-five-colour-2020).
- ``highest_of``: several ladders (bands on one indicator each); the most severe band wins
  (harvard-2020 with one ladder).
- ``matrix``: bands on two indicators and a table of levels (eu-2020-1475).

A band is ``{level = "red", from = 25}`` (value ≥ 25) or ``{level = "red", above = 150}``
(value > 150); the highest band whose lower bound holds applies. A condition is
``{indicator = "new_14d", op = ">", value = 0}`` with op one of ``== != < <= > >=``.

Errors name the file, the key and the reason::

    RuleSetError: presets/x.toml: rule.cases[1].all[0].op: '=>' is not one of ==, !=, <, <=, >, >=
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from fugong.risk.indicators import indicator_inputs, is_known_indicator

PRESETS_DIR = Path(__file__).parent / "presets"
OPS = ("==", "!=", "<", "<=", ">", ">=")
RULE_TYPES = ("first_match", "score", "highest_of", "matrix")
INPUT_COLUMNS = ("new_confirmed", "cumulative_confirmed", "new_local", "new_imported", "cluster_events",
                 "population", "tests", "positives")


# The only placeholder a reason may hold: ``{indicator_name}`` (see grading._fmt).
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]{0,63})\}")
MAX_FILE_BYTES = 1 << 20  # a rule set is a few kilobytes; a bigger file is not one


class RuleSetError(ValueError):
    """A rule-set file is malformed; the message names the file, the key and the reason."""

    def __init__(self, source: str, key: str, reason: str):
        self.source, self.key, self.reason = source, key, reason
        super().__init__(f"{source}: {key}: {reason}")


@dataclass(frozen=True)
class Level:
    key: str
    severity: int | None  # 0 (lowest) … 4; None for the grey state
    colour: str
    zh: str
    en: str
    grey: bool = False


@dataclass(frozen=True)
class Condition:
    indicator: str
    op: str
    value: Any


@dataclass(frozen=True)
class Band:
    level: str  # a level key, or points (as str) in a score ladder
    bound: float
    strict: bool  # True: value > bound ("above"); False: value >= bound ("from")
    points: float | None = None

    def holds(self, value: float) -> bool:
        return value > self.bound if self.strict else value >= self.bound


@dataclass(frozen=True)
class Ladder:
    indicator: str
    bands: tuple[Band, ...]  # ascending by bound

    def band(self, value: float) -> Band | None:
        chosen = None
        for band in self.bands:
            if band.holds(value):
                chosen = band
        return chosen


@dataclass(frozen=True)
class Case:
    level: str
    all: tuple[Condition, ...]
    any: tuple[Condition, ...]
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class Adjustment:
    condition: Condition
    points: float
    zh: str
    en: str
    group: str  # within a group only the first adjustment that holds applies


@dataclass(frozen=True)
class Rule:
    type: str
    cases: tuple[Case, ...] = ()
    ladders: tuple[Ladder, ...] = ()  # highest_of; score components; matrix rows/cols
    weights: tuple[float, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    cutoffs: tuple[Band, ...] = ()  # score → level
    cells: tuple[tuple[str, ...], ...] = ()  # matrix[row band][column band]


@dataclass(frozen=True)
class Fallback:
    column: str
    value: float
    zh: str
    en: str


@dataclass(frozen=True)
class RuleSet:
    name: str
    title_zh: str
    title_en: str
    source: str
    unit: str
    levels: tuple[Level, ...]
    rule: Rule
    fallbacks: dict[str, Fallback] = field(default_factory=dict)
    grey_when: tuple[Case, ...] = ()
    downgrade_after_days: int = 0
    min_dwell_days: int = 0
    max_staleness_days: int = 3
    cadence_days: int = 1
    cadence_start: str | None = None  # ISO date; publications on start + k·cadence
    measures: dict[str, dict] = field(default_factory=dict)
    path: str = ""

    def level(self, key: str) -> Level:
        for level in self.levels:
            if level.key == key:
                return level
        raise KeyError(key)

    @property
    def grey(self) -> Level:
        for level in self.levels:
            if level.grey:
                return level
        return Level("grey", None, "#9e9e9e", "数据不足", "insufficient data", grey=True)

    @property
    def graded_levels(self) -> tuple[Level, ...]:
        """Levels other than grey, lowest severity first."""
        return tuple(sorted((lv for lv in self.levels if not lv.grey), key=lambda lv: lv.severity))

    def indicators(self) -> set[str]:
        """Every indicator the rule reads."""
        names: set[str] = set()
        for case in self.rule.cases + self.grey_when:
            names.update(c.indicator for c in case.all + case.any)
        names.update(ladder.indicator for ladder in self.rule.ladders)
        names.update(adj.condition.indicator for adj in self.rule.adjustments)
        return names

    def inputs(self) -> set[str]:
        """Input columns the rule needs (a fallback may stand in for some)."""
        needed: set[str] = set()
        for name in self.indicators():
            needed.update(indicator_inputs(name))
        return needed


# ---------------------------------------------------------------- loading


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def load_rules(name_or_path: str | Path) -> RuleSet:
    """A preset by name (``cn-national-2020``) or a rule-set file by path."""
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = PRESETS_DIR / f"{name_or_path}.toml"
        if not path.exists():
            raise RuleSetError(str(name_or_path), "name",
                               f"no such preset; presets are {', '.join(preset_names())}")
    try:
        modified = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise RuleSetError(str(path), "file", "not found") from None
    return _load_rules_file(str(path), modified)


@lru_cache(maxsize=64)
def _load_rules_file(path: str, modified: int) -> RuleSet:
    """Parse a rule-set file once per version (keyed by modification time): pages load rules per request."""
    return parse_rules(read_toml(Path(path), RuleSetError), source=path)


def read_toml(path: Path, error) -> dict:
    """A TOML file as a dict, or ``error(source, key, reason)`` naming what is wrong with it: missing,
    a folder, too big, not UTF-8, not TOML, nested too deeply for the parser."""
    source = str(path)
    try:
        if path.is_dir():
            raise error(source, "file", "is a folder, not a TOML file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise error(source, "file", f"is {path.stat().st_size:,} bytes; a rule set is at most {MAX_FILE_BYTES:,}")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(source, "file", "not found") from None
    except PermissionError:
        raise error(source, "file", "cannot be read (permission denied)") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(source, "encoding", f"not UTF-8 (byte {exc.start}); save the file as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(source, "toml", str(exc)) from None
    except RecursionError:
        raise error(source, "toml", "nested too deeply") from None


def parse_rules(data: dict, *, source: str = "<rules>") -> RuleSet:
    """Validate a decoded TOML document into a RuleSet (RuleSetError names file and key)."""
    p = _Parser(source)
    name = p.text(data, "name")
    levels = p.levels(data.get("levels"))
    level_keys = {lv.key for lv in levels}
    rule = p.rule(data.get("rule"), level_keys)
    fallbacks = p.fallbacks(data.get("inputs", {}))
    grey_when = tuple(p.case(c, f"grey_when[{i}]", None) for i, c in enumerate(p.list(data, "grey_when", [])))
    hyst = data.get("hysteresis", {})
    p.check_keys(hyst, "hysteresis", {"downgrade_after_days", "min_dwell_days"})
    measures = data.get("measures", {})
    if not isinstance(measures, dict):
        p.fail("measures", "must be a table of level → profile")
    for key in measures:
        if key not in level_keys:
            p.fail(f"measures.{key}", f"unknown level; levels are {', '.join(sorted(level_keys))}")
    p.check_keys(data, "", {"name", "title_zh", "title_en", "source", "unit", "levels", "rule", "inputs",
                            "grey_when", "hysteresis", "max_staleness_days", "cadence_days", "cadence_start",
                            "measures", "notes"})
    rules = RuleSet(
        name=name,
        title_zh=p.text(data, "title_zh"),
        title_en=p.text(data, "title_en"),
        source=p.text(data, "source"),
        unit=str(data.get("unit", "county")),
        levels=levels,
        rule=rule,
        fallbacks=fallbacks,
        grey_when=grey_when,
        downgrade_after_days=p.count(hyst, "downgrade_after_days", "hysteresis.downgrade_after_days"),
        min_dwell_days=p.count(hyst, "min_dwell_days", "hysteresis.min_dwell_days"),
        max_staleness_days=p.count(data, "max_staleness_days", "max_staleness_days", default=3),
        cadence_days=max(1, p.count(data, "cadence_days", "cadence_days", default=1)),
        cadence_start=data.get("cadence_start"),
        measures=measures,
        path=source,
    )
    for column in rules.fallbacks:
        if column not in INPUT_COLUMNS and not is_known_indicator(column):
            p.fail(f"inputs.{column}", f"neither an input ({', '.join(INPUT_COLUMNS)}) nor an indicator")
    return rules


class _Parser:
    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, reason: str):
        raise RuleSetError(self.source, key or "(top level)", reason)

    def check_keys(self, table: dict, where: str, allowed: set[str]) -> None:
        if not isinstance(table, dict):
            self.fail(where, "must be a table")
        for key in table:
            if key not in allowed:
                self.fail(f"{where}.{key}" if where else key,
                          f"unknown key; allowed keys are {', '.join(sorted(allowed))}")

    def text(self, table: dict, key: str, where: str | None = None) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(where or key, "required text is missing or empty")
        return value

    def list(self, table: dict, key: str, default=None, where: str | None = None) -> list:
        value = table.get(key, default)
        if not isinstance(value, list):
            self.fail(where or key, "must be a list (an array of tables)")
        return value

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(where, f"{value!r} is not a number")
        return float(value)

    def count(self, table: dict, key: str, where: str, default: int = 0) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(where, f"{value!r} is not a whole number ≥ 0")
        return value

    def levels(self, raw: Any) -> tuple[Level, ...]:
        if not isinstance(raw, list) or not raw:
            self.fail("levels", "at least one [[levels]] table is required")
        levels, seen = [], set()
        for i, item in enumerate(raw):
            where = f"levels[{i}]"
            self.check_keys(item, where, {"key", "severity", "colour", "zh", "en", "grey"})
            key = self.text(item, "key", f"{where}.key")
            if key in seen:
                self.fail(f"{where}.key", f"duplicate level {key!r}")
            seen.add(key)
            grey = bool(item.get("grey", False))
            severity = item.get("severity")
            if grey:
                severity = None
            elif isinstance(severity, bool) or not isinstance(severity, int) or not 0 <= severity <= 4:
                self.fail(f"{where}.severity", f"{severity!r} is not a severity 0–4")
            colour = self.text(item, "colour", f"{where}.colour")
            if not (colour.startswith("#") and len(colour) in (4, 7)):
                self.fail(f"{where}.colour", f"{colour!r} is not a #rrggbb colour")
            levels.append(Level(key, severity, colour, self.text(item, "zh", f"{where}.zh"),
                                self.text(item, "en", f"{where}.en"), grey))
        return tuple(levels)

    def condition(self, raw: Any, where: str) -> Condition:
        if not isinstance(raw, dict):
            self.fail(where, "a condition is {indicator = ..., op = ..., value = ...}")
        self.check_keys(raw, where, {"indicator", "op", "value"})
        indicator = self.text(raw, "indicator", f"{where}.indicator")
        if not is_known_indicator(indicator):
            self.fail(f"{where}.indicator", f"unknown indicator {indicator!r} (see docs/risk.md, indicators)")
        op = raw.get("op")
        if op not in OPS:
            self.fail(f"{where}.op", f"{op!r} is not one of {', '.join(OPS)}")
        if "value" not in raw:
            self.fail(f"{where}.value", "required")
        value = raw["value"]
        if not isinstance(value, (bool, int, float)):
            self.fail(f"{where}.value", f"{value!r} is not a number or true/false")
        return Condition(indicator, op, value)

    def case(self, raw: Any, where: str, level_keys: set[str] | None) -> Case:
        self.check_keys(raw, where, {"level", "all", "any", "reason_zh", "reason_en"})
        level = ""
        if level_keys is not None:
            level = self.text(raw, "level", f"{where}.level")
            if level not in level_keys:
                self.fail(f"{where}.level", f"unknown level {level!r}; levels are {', '.join(sorted(level_keys))}")
        all_ = tuple(self.condition(c, f"{where}.all[{j}]") for j, c in enumerate(raw.get("all", [])))
        any_ = tuple(self.condition(c, f"{where}.any[{j}]") for j, c in enumerate(raw.get("any", [])))
        return Case(level, all_, any_, self.template(raw, "reason_zh", f"{where}.reason_zh"),
                    self.template(raw, "reason_en", f"{where}.reason_en"))

    def template(self, table: dict, key: str, where: str) -> str:
        """A reason text whose only placeholders are ``{indicator}`` names."""
        text = self.text(table, key, where)
        rest = PLACEHOLDER.sub("", text)
        if "{" in rest or "}" in rest:
            self.fail(where, "placeholders are {indicator_name} only (no attributes, indexes or formats)")
        for name in PLACEHOLDER.findall(text):
            if not is_known_indicator(name):
                self.fail(where, f"unknown placeholder {{{name}}}; use an indicator name")
        return text

    def ladder(self, raw: Any, where: str, level_keys: set[str] | None, mode: str = "level") -> Ladder:
        """mode "level": bands name a level; "points": bands carry points; "plain": bounds only."""
        if not isinstance(raw, dict):
            self.fail(where, "a ladder is {indicator = ..., bands = [...]}")
        self.check_keys(raw, where, {"indicator", "bands", "weight"})
        indicator = self.text(raw, "indicator", f"{where}.indicator")
        if not (is_known_indicator(indicator) or (indicator == "score" and where == "rule.cutoffs")):
            self.fail(f"{where}.indicator", f"unknown indicator {indicator!r}")
        bands = []
        for j, b in enumerate(self.list(raw, "bands", where=f"{where}.bands")):
            bw = f"{where}.bands[{j}]"
            self.check_keys(b, bw, {"level", "from", "above", "points"})
            if ("from" in b) == ("above" in b):
                self.fail(bw, "give exactly one of from (≥) or above (>)")
            bound = self.number(b.get("from", b.get("above")), f"{bw}.{'from' if 'from' in b else 'above'}")
            if mode == "points":
                points = self.number(b.get("points"), f"{bw}.points")
                bands.append(Band("", bound, "above" in b, points))
            elif mode == "plain":
                bands.append(Band("", bound, "above" in b))
            else:
                level = self.text(b, "level", f"{bw}.level")
                if level not in level_keys:
                    self.fail(f"{bw}.level", f"unknown level {level!r}")
                bands.append(Band(level, bound, "above" in b))
        for j in range(1, len(bands)):
            if (bands[j].bound, bands[j].strict) <= (bands[j - 1].bound, bands[j - 1].strict):
                self.fail(f"{where}.bands[{j}]", "bands must ascend")
        return Ladder(indicator, tuple(bands))

    def rule(self, raw: Any, level_keys: set[str]) -> Rule:
        if not isinstance(raw, dict):
            self.fail("rule", "a [rule] table is required")
        kind = raw.get("type")
        if kind not in RULE_TYPES:
            self.fail("rule.type", f"{kind!r} is not one of {', '.join(RULE_TYPES)}")
        if kind == "first_match":
            self.check_keys(raw, "rule", {"type", "cases"})
            cases = tuple(self.case(c, f"rule.cases[{i}]", level_keys)
                          for i, c in enumerate(self.list(raw, "cases", where="rule.cases")))
            if not cases:
                self.fail("rule.cases", "at least one case is required")
            return Rule(kind, cases=cases)
        if kind == "highest_of":
            self.check_keys(raw, "rule", {"type", "ladders"})
            ladders = tuple(self.ladder(x, f"rule.ladders[{i}]", level_keys)
                            for i, x in enumerate(self.list(raw, "ladders", where="rule.ladders")))
            if not ladders:
                self.fail("rule.ladders", "at least one ladder is required")
            return Rule(kind, ladders=ladders)
        if kind == "matrix":
            self.check_keys(raw, "rule", {"type", "rows", "columns", "cells"})
            rows = self.ladder(raw.get("rows"), "rule.rows", None, "plain")
            cols = self.ladder(raw.get("columns"), "rule.columns", None, "plain")
            cells = self.list(raw, "cells", where="rule.cells")
            if len(cells) != len(rows.bands) or any(not isinstance(r, list) or len(r) != len(cols.bands) for r in cells):
                self.fail("rule.cells", f"must be {len(rows.bands)} rows of {len(cols.bands)} levels")
            for i, row in enumerate(cells):
                for j, level in enumerate(row):
                    if level not in level_keys:
                        self.fail(f"rule.cells[{i}][{j}]", f"unknown level {level!r}")
            return Rule(kind, ladders=(rows, cols), cells=tuple(tuple(r) for r in cells))
        # score
        self.check_keys(raw, "rule", {"type", "components", "adjustments", "cutoffs"})
        comps = self.list(raw, "components", where="rule.components")
        if not comps:
            self.fail("rule.components", "at least one component is required")
        ladders, weights = [], []
        for i, comp in enumerate(comps):
            ladders.append(self.ladder(comp, f"rule.components[{i}]", None, "points"))
            weights.append(self.number(comp.get("weight", 1), f"rule.components[{i}].weight"))
        adjustments = []
        for i, adj in enumerate(self.list(raw, "adjustments", [], where="rule.adjustments")):
            where = f"rule.adjustments[{i}]"
            self.check_keys(adj, where, {"indicator", "op", "value", "points", "zh", "en", "group"})
            cond = self.condition({k: adj.get(k) for k in ("indicator", "op", "value")}, where)
            adjustments.append(Adjustment(cond, self.number(adj.get("points"), f"{where}.points"),
                                          self.text(adj, "zh", f"{where}.zh"), self.text(adj, "en", f"{where}.en"),
                                          str(adj.get("group", f"g{i}"))))
        cut = self.ladder({"indicator": "score", "bands": raw.get("cutoffs")}, "rule.cutoffs", level_keys)
        return Rule(kind, ladders=tuple(ladders), weights=tuple(weights), adjustments=tuple(adjustments),
                    cutoffs=cut.bands)

    def fallbacks(self, raw: Any) -> dict[str, Fallback]:
        if not isinstance(raw, dict):
            self.fail("inputs", "must be a table of input → {fallback, reason_zh, reason_en}")
        out = {}
        for column, spec in raw.items():
            where = f"inputs.{column}"
            self.check_keys(spec, where, {"fallback", "reason_zh", "reason_en"})
            out[column] = Fallback(column, self.number(spec.get("fallback"), f"{where}.fallback"),
                                   self.text(spec, "reason_zh", f"{where}.reason_zh"),
                                   self.text(spec, "reason_en", f"{where}.reason_en"))
        return out
