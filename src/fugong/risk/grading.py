"""Grading: indicators → a level per region and day, with reasons, grey state and hysteresis.

For one region-day the steps are, in order:

1. grey if an input the rule needs is missing and the rule set declares no fallback (the reason names
   the input), if the region's last report is older than ``max_staleness_days``, or if a
   ``grey_when`` case holds (e.g. EU: too few tests);
2. otherwise the rule gives the *raw* level (first_match / score / highest_of / matrix);
3. hysteresis: an upgrade applies at once; a downgrade needs ``downgrade_after_days`` consecutive
   days at a lower raw level and ``min_dwell_days`` in the current level. Grey days do not move
   the state.

A result row::

    region_code=330110 date=2020-02-20 level=medium severity=1 colour=#f5a623 score=None
    reasons_zh=["14 天内有新增确诊，累计 ≤ 50"] reasons_en=["new cases within 14 days, cumulative ≤ 50"]
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from fugong.risk.indicators import INPUT_LABELS, label
from fugong.risk.rules import Band, Case, Condition, RuleSet

_OPS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Verdict:
    """The raw outcome for one region-day, before hysteresis."""

    level: str
    score: float | None
    reasons_zh: tuple[str, ...]
    reasons_en: tuple[str, ...]
    grey: bool = False


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _show(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def holds(condition: Condition, values: dict) -> bool:
    """A condition on a missing (not applicable) value does not hold."""
    value = values.get(condition.indicator)
    if _is_missing(value):
        return False
    if isinstance(condition.value, bool):
        value = bool(value)
    return _OPS[condition.op](value, condition.value)


def case_holds(case: Case, values: dict) -> bool:
    return all(holds(c, values) for c in case.all) and (not case.any or any(holds(c, values) for c in case.any))


def _fmt(template: str, values: dict) -> str:
    """Fill ``{indicator}`` placeholders (names only: no attributes, indexes or format specs, so a
    rule file cannot reach into Python objects); an unknown or missing name stays as written."""
    from fugong.risk.rules import PLACEHOLDER

    def value(match) -> str:
        found = values.get(match.group(1))
        return match.group(0) if _is_missing(found) else _show(found)

    return PLACEHOLDER.sub(value, template)


def _band_text(ladder_indicator: str, value, band: Band, lang: str) -> str:
    sign = ">" if band.strict else "≥"
    return f"{label(ladder_indicator, lang)} {_show(value)} {sign} {_show(band.bound)}"


def evaluate(values: dict, rules: RuleSet) -> Verdict:
    """The raw level for one region-day's indicator values (grey checks included, no hysteresis)."""
    grey = rules.grey
    missing = values.get("missing") or ()
    if missing:
        zh = ["缺少输入数据：" + "、".join(f"{INPUT_LABELS[m][0]}（{m}）" for m in missing)]
        en = ["missing input: " + ", ".join(missing)]
        return Verdict(grey.key, None, tuple(zh), tuple(en), grey=True)
    date, last = values.get("date"), values.get("last_reported")
    if date is not None:
        if _is_missing(last) or last is None or (_as_date(date) - _as_date(last)).days > rules.max_staleness_days:
            shown = "无" if _is_missing(last) or last is None else _as_date(last).isoformat()
            return Verdict(grey.key, None,
                           (f"数据过期：最近报告 {shown}（超过 {rules.max_staleness_days} 天）",),
                           (f"stale data: last report {shown if shown != '无' else 'none'} "
                            f"(more than {rules.max_staleness_days} days ago)",), grey=True)
    for case in rules.grey_when:
        if case_holds(case, values):
            return Verdict(grey.key, None, (_fmt(case.reason_zh, values),), (_fmt(case.reason_en, values),), grey=True)

    rule, score = rules.rule, None
    zh: list[str] = []
    en: list[str] = []
    lowest = rules.graded_levels[0].key
    if rule.type == "first_match":
        level = None
        for case in rule.cases:
            if case_holds(case, values):
                level = case.level
                zh.append(_fmt(case.reason_zh, values))
                en.append(_fmt(case.reason_en, values))
                break
        if level is None:
            return Verdict(grey.key, None, ("没有适用的规则",), ("no rule case applies",), grey=True)
    elif rule.type == "highest_of":
        level, best = lowest, -1
        for ladder in rule.ladders:
            value = values.get(ladder.indicator)
            band = None if _is_missing(value) else ladder.band(float(value))
            if band is None:
                continue
            severity = rules.level(band.level).severity
            zh.append(_band_text(ladder.indicator, value, band, "zh") + f" → {rules.level(band.level).zh}")
            en.append(_band_text(ladder.indicator, value, band, "en") + f" → {rules.level(band.level).en}")
            if severity > best:
                level, best = band.level, severity
    elif rule.type == "matrix":
        rows, cols = rule.ladders
        rv, cv = values.get(rows.indicator), values.get(cols.indicator)
        if _is_missing(rv) or _is_missing(cv):
            name = rows.indicator if _is_missing(rv) else cols.indicator
            return Verdict(grey.key, None, (f"无法计算：{label(name, 'zh')}",), (f"cannot compute: {label(name, 'en')}",),
                           grey=True)
        r, c = rows.band(float(rv)), cols.band(float(cv))
        if r is None or c is None:
            return Verdict(grey.key, None, ("指标超出矩阵范围",), ("indicator outside the matrix",), grey=True)
        level = rule.cells[rows.bands.index(r)][cols.bands.index(c)]
        zh.append(f"{_band_text(rows.indicator, rv, r, 'zh')}，{_band_text(cols.indicator, cv, c, 'zh')} → {rules.level(level).zh}")
        en.append(f"{_band_text(rows.indicator, rv, r, 'en')}, {_band_text(cols.indicator, cv, c, 'en')} → {rules.level(level).en}")
    else:  # score
        score = 0.0
        for ladder, weight in zip(rule.ladders, rule.weights):
            value = values.get(ladder.indicator)
            band = None if _is_missing(value) else ladder.band(float(value))
            points = 0.0 if band is None else band.points * weight
            score += points
            zh.append(f"{label(ladder.indicator, 'zh')} {_show(value)} → {_show(points)} 分")
            en.append(f"{label(ladder.indicator, 'en')} {_show(value)} → {_show(points)} points")
        applied: set[str] = set()
        for adj in rule.adjustments:
            if adj.group in applied or not holds(adj.condition, values):
                continue
            applied.add(adj.group)
            score += adj.points
            zh.append(f"{adj.zh}（{adj.points:+g} 分）")
            en.append(f"{adj.en} ({adj.points:+g} points)")
        score = max(score, 0.0)
        level = lowest
        for band in rule.cutoffs:
            if band.holds(score):
                level = band.level
        zh.append(f"总分 {_show(score)} → {rules.level(level).zh}")
        en.append(f"score {_show(score)} → {rules.level(level).en}")
    for key in values.get("fallbacks") or ():
        fb = rules.fallbacks.get(key)
        if fb:
            zh.append(fb.zh)
            en.append(fb.en)
    return Verdict(level, score, tuple(zh), tuple(en))


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "date"):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


class Hysteresis:
    """The state of one region across days; ``step`` returns the published level and any hold reason."""

    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.state: str | None = None
        self.since: dt.date | None = None
        self.lower_run = 0
        self.run_max: str | None = None

    def _sev(self, key: str) -> int:
        return self.rules.level(key).severity

    def step(self, day: dt.date, verdict: Verdict) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        if verdict.grey:
            return verdict.level, (), ()
        raw = verdict.level
        if self.state is None or self._sev(raw) >= self._sev(self.state):
            if raw != self.state:
                self.state, self.since = raw, day
            self.lower_run, self.run_max = 0, None
            return raw, (), ()
        self.lower_run += 1
        if self.run_max is None or self._sev(raw) > self._sev(self.run_max):
            self.run_max = raw
        dwell = (day - self.since).days
        need_days, need_dwell = self.rules.downgrade_after_days, self.rules.min_dwell_days
        if self.lower_run >= need_days and dwell >= need_dwell:
            self.state, self.since = self.run_max, day
            self.lower_run, self.run_max = 0, None
            return self.state, (), ()
        held = self.rules.level(self.state)
        zh, en = [], []
        if self.lower_run < need_days:
            zh.append(f"维持{held.zh}：降级需连续 {need_days} 天符合较低等级（已 {self.lower_run} 天）")
            en.append(f"held at {held.en}: a downgrade needs {need_days} consecutive days at a lower level "
                      f"({self.lower_run} so far)")
        if dwell < need_dwell:
            zh.append(f"维持{held.zh}：须在本等级至少停留 {need_dwell} 天（已 {dwell} 天）")
            en.append(f"held at {held.en}: at least {need_dwell} days in this level are needed ({dwell} so far)")
        return self.state, tuple(zh), tuple(en)


def grade(daily, rules: RuleSet, *, start: dt.date | None = None, end: dt.date | None = None):
    """Grade every region-day of a prepared case frame; return rows from ``start`` to ``end``.

    Hysteresis runs over the whole series (days before ``start`` shape the state on ``start``).
    Columns: region_code, date, level, severity, colour, label_zh, label_en, score, raw_level,
    reasons_zh, reasons_en (lists of text).
    """
    import pandas as pd

    from fugong.risk import indicators

    fallbacks = {key: fb.value for key, fb in rules.fallbacks.items()}
    table = indicators.compute(daily, rules.indicators(), fallbacks=fallbacks)
    names = sorted(rules.indicators())
    records = table.to_dict("records")
    rows = []
    machine: Hysteresis | None = None
    current = None
    for values in records:
        if values["region_code"] != current:
            current, machine = values["region_code"], Hysteresis(rules)
        day = _as_date(values["date"])
        verdict = evaluate(values, rules)
        level, held_zh, held_en = machine.step(day, verdict)
        lv = rules.level(level) if not verdict.grey else rules.grey
        rows.append({
            "region_code": values["region_code"],
            "date": day,
            "level": lv.key,
            "severity": lv.severity,
            "colour": lv.colour,
            "label_zh": lv.zh,
            "label_en": lv.en,
            "score": verdict.score,
            "raw_level": verdict.level,
            "reasons_zh": list(held_zh + verdict.reasons_zh),
            "reasons_en": list(held_en + verdict.reasons_en),
            **{f"ind_{n}": values.get(n) for n in names},
        })
    result = pd.DataFrame(rows)
    if result.empty:
        return result
    if start is not None:
        result = result[result["date"] >= start]
    if end is not None:
        result = result[result["date"] <= end]
    return result.reset_index(drop=True)
