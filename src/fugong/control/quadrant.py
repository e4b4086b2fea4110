"""The quadrant: each county's risk level against its flow index, with the two warnings it exists for.

    risk band   low (severity ≤ low_risk_max_severity), high (≥ high_risk_min_severity), medium
                between, grey (no grade); severities 0–4 are the risk rule set's
    flow band   open (index ≥ open_from), closed (< closed_below), partly open between, none (null)
    flags       low_risk_but_closed  低风险仍未放开: a low-risk county whose flow index is still closed
                open_but_high_risk   高风险已放开:   a high-risk county whose flow index is open

Cut-offs are the model file's ``[quadrant]`` table. The flow value is the display series (the
last good value carried over late days, marked). Rankings are by flow index, highest first;
changes compare with the previous day's results and the previous risk publication.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from fugong.access import Principal
from fugong.control.model import Model
from fugong.control.models import ControlResult
from fugong.web.i18n import N_, translator

# Shown through the interface catalogue (English ids, Chinese in locale/zh/LC_MESSAGES/fugong.po):
# templates write {{ _(flag_text[flag]) }}.
FLAG_TEXT = {
    "low_risk_but_closed": N_("low risk but still closed"),  # 低风险仍未放开
    "open_but_high_risk": N_("open but high risk"),  # 高风险已放开
}
RISK_BANDS = ("low", "medium", "high", "grey")
FLOW_BANDS = ("closed", "partial", "open", "none")
BAND_TEXT = {
    "low": N_("low risk"),  # 低风险
    "medium": N_("medium risk"),  # 中风险
    "high": N_("high risk"),  # 高风险
    "grey": N_("not graded"),  # 未评级
    "closed": N_("closed"),  # 封闭
    "partial": N_("partly open"),  # 部分放开
    "open": N_("open"),  # 放开
    "none": N_("no index"),  # 无指数
}


def risk_band(severity: int | None, model: Model) -> str:
    q = model.quadrant
    if severity is None:
        return "grey"
    if severity <= q.low_risk_max_severity:
        return "low"
    if severity >= q.high_risk_min_severity:
        return "high"
    return "medium"


def flow_band(value: float | None, model: Model) -> str:
    q = model.quadrant
    if value is None:
        return "none"
    if value >= q.open_from:
        return "open"
    if value < q.closed_below:
        return "closed"
    return "partial"


def flags_of(risk: str, flow: str) -> list[str]:
    if risk == "low" and flow == "closed":
        return ["low_risk_but_closed"]
    if risk == "high" and flow == "open":
        return ["open_but_high_risk"]
    return []


def _day_results(session, model: Model, day: dt.date, principal: Principal, prefix: str) -> dict[str, dict]:
    query = select(ControlResult).where(ControlResult.model == model.name, ControlResult.date == day)
    out: dict[str, dict] = {}
    for r in session.scalars(query):
        if principal.can_see_region(r.region_code) and r.region_code.startswith(prefix):
            out.setdefault(r.region_code, {})[r.index_code] = r
    return out


def quadrant_view(session, *, model: Model, rules, principal: Principal, date: dt.date | None = None,
                  prefix: str = "") -> dict:
    """The quadrant of the results day on or before ``date`` (the latest when None), in scope.

    {"model", "title_zh", "title_en", "date", "previous_date", "available_dates", "rule_set",
     "risk_date", "cutoffs": {...}, "rows": [{region_code, name, level, level_zh, level_en, colour,
     severity, risk_band, flow, flow_carried_from, control, flow_band, flags, rank, rank_change,
     flow_change, level_before, level_before_zh, level_before_en}], "cells": {"low/open": n, …}, "flagged": {flag: [codes]}}
    """
    from fugong.risk import services as risk_services

    if model.quadrant is None:
        raise ValueError(f"model {model.name} has no [quadrant] table")
    q = model.quadrant
    query = select(func.max(ControlResult.date)).where(ControlResult.model == model.name)
    if date is not None:
        query = query.where(ControlResult.date <= date)
    day = session.scalar(query)
    dates = list(session.scalars(select(ControlResult.date).where(ControlResult.model == model.name)
                                 .distinct().order_by(ControlResult.date)))
    view = {"model": model.name, "title_zh": model.title_zh, "title_en": model.title_en, "rule_set": rules.name,
            "date": day.isoformat() if day else None, "previous_date": None,
            "available_dates": [d.isoformat() for d in dates], "risk_date": None,
            "cutoffs": {"index": q.index, "open_from": float(q.open_from), "closed_below": float(q.closed_below),
                        "low_risk_max_severity": q.low_risk_max_severity,
                        "high_risk_min_severity": q.high_risk_min_severity},
            "rows": [], "cells": {}, "flagged": {flag: [] for flag in FLAG_TEXT}}
    if day is None:
        return view
    today = _day_results(session, model, day, principal, prefix)
    previous_day = max((d for d in dates if d < day), default=None)
    before = _day_results(session, model, previous_day, principal, prefix) if previous_day else {}
    view["previous_date"] = previous_day.isoformat() if previous_day else None
    risk = risk_services.publication_view(session, rules=rules, principal=principal, date=day, prefix=prefix)
    grades = {g["region_code"]: g for g in (risk or {}).get("grades", [])}
    changes = {c["region_code"]: c for c in (risk or {}).get("changes", [])}
    view["risk_date"] = risk["date"] if risk else None
    levels = {lv.key: lv for lv in rules.levels}
    rows = []
    for code in sorted(set(today) | set(grades)):
        results = today.get(code, {})
        flow = results.get(q.index)
        others = {k: v for k, v in results.items() if k != q.index}
        grade = grades.get(code)
        severity = grade["severity"] if grade else None
        rb = risk_band(severity, model) if grade else "grey"
        fb = flow_band(flow.display if flow else None, model)
        level = levels.get(grade["level"]) if grade else None
        prior = before.get(code, {}).get(q.index)
        rows.append({
            "region_code": code, "name": (grade or {}).get("name") or _name(code),
            "level": grade["level"] if grade else None, "level_zh": level.zh if level else "未评级",
            "level_en": level.en if level else "not graded", "colour": grade["colour"] if grade else "#9e9e9e",
            "severity": severity, "risk_band": rb,
            "flow": flow.display if flow else None,
            "flow_carried_from": flow.carried_from.isoformat() if flow and flow.carried_from else None,
            "flow_present": flow.present if flow else 0, "flow_required": flow.required if flow else None,
            "others": {k: v.display for k, v in sorted(others.items())},
            "flow_band": fb, "flags": flags_of(rb, fb),
            "flow_change": (round(flow.display - prior.display, 2)
                            if flow and prior and flow.display is not None and prior.display is not None else None),
            "level_before": changes[code]["before"] if code in changes else None,
        })
        before_level = levels.get(rows[-1]["level_before"]) if rows[-1]["level_before"] else None
        rows[-1]["level_before_zh"] = before_level.zh if before_level else rows[-1]["level_before"]
        rows[-1]["level_before_en"] = before_level.en if before_level else rows[-1]["level_before"]
    ranked = sorted((r for r in rows if r["flow"] is not None), key=lambda r: (-r["flow"], r["region_code"]))
    previous_rank = {code: n for n, code in enumerate(
        sorted((c for c, res in before.items() if res.get(q.index) and res[q.index].display is not None),
               key=lambda c: (-before[c][q.index].display, c)), 1)}
    for n, row in enumerate(ranked, 1):
        row["rank"] = n
        row["rank_change"] = (previous_rank[row["region_code"]] - n) if row["region_code"] in previous_rank else None
    for row in rows:
        row.setdefault("rank", None)
        row.setdefault("rank_change", None)
        cell = f"{row['risk_band']}/{row['flow_band']}"
        view["cells"][cell] = view["cells"].get(cell, 0) + 1
        for flag in row["flags"]:
            view["flagged"][flag].append(row["region_code"])
    view["rows"] = sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["region_code"]))
    return view


def _name(code: str) -> str:
    from fugong.risk.cases import reference_name

    return reference_name(code) or code


def scatter_svg(view: dict, *, lang: str = "zh", width: int = 560, height: int = 360) -> str:
    """Risk severity (rows) against the flow index (x), cut-off lines, flagged counties ringed.

    Rendered on the server (no script): the page, the publication bundle and its PDF use the same SVG.
    """
    from html import escape

    _ = translator(lang)
    left, right, top, bottom = 70, 20, 20, 50
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(value: float) -> float:
        return left + plot_w * max(0.0, min(100.0, value)) / 100

    def y(severity: int) -> float:
        return top + plot_h * (4 - severity) / 4 if severity is not None else top + plot_h + 10

    cut = view["cutoffs"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             'font-family="Noto Sans CJK SC, Source Han Sans SC, sans-serif" font-size="11" role="img" '
             f'aria-label="{escape(_("risk level against the flow index"))}">',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#999"/>']
    for value, label in ((cut["closed_below"], _("closed")), (cut["open_from"], _("open"))):
        parts.append(f'<line x1="{x(value):.1f}" y1="{top}" x2="{x(value):.1f}" y2="{top + plot_h}" stroke="#555" '
                     'stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{x(value) + 3:.1f}" y="{top + 12}" fill="#555">{escape(label)} {value:g}</text>')
    for severity in range(5):
        parts.append(f'<text x="{left - 6}" y="{y(severity) + 4:.1f}" text-anchor="end">{severity}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 12}" text-anchor="middle">'
                 f'{escape(_("flow index"))} 0–100</text>')
    parts.append(f'<text x="14" y="{top + plot_h / 2:.0f}" transform="rotate(-90 14 {top + plot_h / 2:.0f})" '
                 f'text-anchor="middle">{escape(_("risk severity"))}</text>')
    for row in view["rows"]:
        if row["flow"] is None or row["severity"] is None:
            continue
        ring = ' stroke="#b00020" stroke-width="2.5"' if row["flags"] else ' stroke="#333" stroke-width="0.6"'
        parts.append(f'<circle cx="{x(row["flow"]):.1f}" cy="{y(row["severity"]):.1f}" r="5" fill="{row["colour"]}"{ring}>'
                     f'<title>{escape(_.name("region", row["name"]))} {row["flow"]:.2f}</title></circle>')
    parts.append("</svg>")
    return "\n".join(parts)
