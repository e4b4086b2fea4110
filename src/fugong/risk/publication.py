"""Publication on a cadence: which days are published, the change list, counts per level, history.

Zhejiang re-graded its counties every three days; a rule set says ``cadence_days`` and optionally
``cadence_start``. A publication is the graded level of every region on a publication day; the
change list compares it with the previous publication::

    余杭区 较高风险 → 中风险   (330110, orange → yellow, down)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from fugong.risk.rules import RuleSet


@dataclass(frozen=True)
class Change:
    region_code: str
    name: str
    before: str | None  # level key; None when the region is new in this publication
    after: str
    direction: str  # "up" | "down" | "new" | "grey"
    text_zh: str
    text_en: str


@dataclass
class Publication:
    rule_set: str
    date: dt.date
    grades: list[dict]  # one per region: region_code, name, level, severity, colour, score, reasons_zh, reasons_en
    counts: dict[str, int] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)


def publication_dates(rules: RuleSet, start: dt.date, end: dt.date) -> list[dt.date]:
    """Days from ``start`` to ``end`` on the rule set's cadence (anchored at ``cadence_start``)."""
    anchor = dt.date.fromisoformat(rules.cadence_start) if rules.cadence_start else start
    step = rules.cadence_days
    offset = (start - anchor).days % step
    first = start + dt.timedelta(days=(step - offset) % step)
    days, day = [], first
    while day <= end:
        days.append(day)
        day += dt.timedelta(days=step)
    return days


def counts_per_level(grades: list[dict], rules: RuleSet) -> dict[str, int]:
    """Regions per level, every level present (0 when none), in the rule set's order."""
    out = {level.key: 0 for level in rules.levels}
    for grade in grades:
        out[grade["level"]] = out.get(grade["level"], 0) + 1
    return out


def changes_between(previous: list[dict] | None, current: list[dict], rules: RuleSet) -> list[Change]:
    """Regions whose level differs from the previous publication, most severe first."""
    before = {g["region_code"]: g["level"] for g in previous or []}
    changes = []
    for grade in current:
        code, after = grade["region_code"], grade["level"]
        old = before.get(code)
        if previous is not None and old == after:
            continue
        if previous is None:
            continue
        new_level = rules.level(after) if after != rules.grey.key else rules.grey
        name = grade.get("name") or code
        if old is None:
            direction = "new"
            zh, en = f"{name} 新增 {new_level.zh}", f"{name} new: {new_level.en}"
        else:
            old_level = rules.level(old) if old != rules.grey.key else rules.grey
            if old_level.severity is None or new_level.severity is None:
                direction = "grey"
            else:
                direction = "up" if new_level.severity > old_level.severity else "down"
            zh = f"{name} {old_level.zh} → {new_level.zh}"
            en = f"{name} {old_level.en} → {new_level.en}"
        changes.append(Change(code, name, old, after, direction, zh, en))
    severity = {lv.key: (lv.severity if lv.severity is not None else -1) for lv in rules.levels}
    return sorted(changes, key=lambda c: (-severity.get(c.after, -1), c.region_code))


def grades_on(graded, day: dt.date, names: dict[str, str] | None = None) -> list[dict]:
    """The rows of a graded frame (grading.grade) for one day, as publication grades."""
    rows = graded[graded["date"] == day]
    out = []
    for row in rows.to_dict("records"):
        indicators = {k[4:]: _plain(v) for k, v in row.items() if k.startswith("ind_")}
        out.append({
            "region_code": row["region_code"],
            "name": (names or {}).get(row["region_code"], row["region_code"]),
            "level": row["level"],
            "severity": None if row["severity"] is None or row["severity"] != row["severity"] else int(row["severity"]),
            "colour": row["colour"],
            "score": _plain(row["score"]),
            "reasons_zh": list(row["reasons_zh"]),
            "reasons_en": list(row["reasons_en"]),
            "indicators": indicators,
        })
    return out


def _plain(value):
    """JSON-safe scalars: NaN → None, numpy numbers → Python numbers."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def publish(graded, rules: RuleSet, *, start: dt.date, end: dt.date,
            names: dict[str, str] | None = None) -> list[Publication]:
    """Publications on the cadence between ``start`` and ``end``, each with changes and counts."""
    publications: list[Publication] = []
    previous = None
    for day in publication_dates(rules, start, end):
        grades = grades_on(graded, day, names)
        if not grades:
            continue
        publications.append(Publication(rules.name, day, grades, counts_per_level(grades, rules),
                                        changes_between(previous, grades, rules)))
        previous = grades
    return publications


def history(graded, region_code: str) -> list[tuple[dt.date, str]]:
    """(date, level) of one region, on the days its level changed (and the first day)."""
    rows = graded[graded["region_code"] == region_code].sort_values("date")
    out: list[tuple[dt.date, str]] = []
    for day, level in zip(rows["date"], rows["level"]):
        if not out or out[-1][1] != level:
            out.append((day, level))
    return out
