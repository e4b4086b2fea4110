"""Services over the SQL store: ingest cases, store publications, read the map, changes and history.

Plain keyword-only functions over a SQLAlchemy session; each takes a ``Principal`` and keeps to its
region prefix (an officer of 3301 sees Hangzhou's regions, never Ningbo's). Every change goes to the
audit log in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fugong.access import Principal
from fugong.risk.cases import COUNT_COLUMNS
from fugong.risk.models import RiskCase, RiskGrade, RiskPublication
from fugong.risk.publication import Publication, changes_between, counts_per_level
from fugong.risk.rules import RuleSet
from fugong.store.audit import record_change


def _series_key(region_code: str, province_code: str, label: str) -> str:
    return region_code or f"{province_code}:{label or '未标注'}"


def _number(value):
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if value != value else value


def ingest_cases(session: Session, frame, *, principal: Principal, source: str) -> dict:
    """Upsert tidy case rows (``cases.read_cases``); idempotent: the same file twice changes nothing.

    Returns {"inserted": n, "updated": n, "unchanged": n}; one audit entry per call that changed rows.
    """
    records = frame.to_dict("records")
    for row in records:
        principal.require_region(row["region_code"] or row["province_code"])
    keys = {_series_key(r["region_code"], r["province_code"], r.get("label", "")) for r in records}
    existing = {}
    provinces = sorted({r["province_code"] for r in records})
    if provinces:
        for case in session.scalars(select(RiskCase).where(RiskCase.province_code.in_(provinces))):
            if case.series_key in keys:
                existing[(case.series_key, case.date)] = case
    inserted = updated = unchanged = 0
    for row in records:
        key = _series_key(row["region_code"], row["province_code"], row.get("label", ""))
        day = row["date"] if isinstance(row["date"], dt.date) else dt.date.fromisoformat(str(row["date"])[:10])
        values = {c: _number(row.get(c)) for c in COUNT_COLUMNS}
        case = existing.get((key, day))
        if case is None:
            case = RiskCase(series_key=key, region_code=row["region_code"] or None, province_code=row["province_code"],
                            label=row.get("label") or "", name=row.get("name") or "", date=day, source=source[:200],
                            **values)
            session.add(case)
            existing[(key, day)] = case
            inserted += 1
        elif any(getattr(case, c) != v for c, v in values.items()):
            for column, value in values.items():
                setattr(case, column, value)
            case.source = source[:200]
            updated += 1
        else:
            unchanged += 1
    result = {"inserted": inserted, "updated": updated, "unchanged": unchanged}
    if inserted or updated:
        record_change(session, actor=principal.actor, action="risk.cases.ingest", entity="risk_case_batch",
                      entity_id=source[-120:], after={**result, "series": len(keys)},
                      region_code=principal.region_prefix or None, reason="病例数据导入 / case data ingest")
    session.flush()
    return result


def case_frame(session: Session, *, principal: Principal):
    """The stored cases the principal may see, as a tidy frame (for ``cases.prepare``)."""
    import pandas as pd

    query = select(RiskCase).order_by(RiskCase.series_key, RiskCase.date)
    rows = []
    for case in session.scalars(query):
        if not principal.can_see_region(case.region_code or case.province_code):
            continue
        rows.append({"region_code": case.region_code or "", "date": case.date, "name": case.name,
                     "province_code": case.province_code, "label": case.label,
                     **{c: getattr(case, c) for c in COUNT_COLUMNS}})
    frame = pd.DataFrame(rows, columns=["region_code", "date", "name", "province_code", "label", *COUNT_COLUMNS])
    frame.attrs["source"] = "store"
    return frame


def store_publications(session: Session, publications: list[Publication], *, principal: Principal,
                       source: str = "") -> int:
    """Store (or replace) publications; one audit entry each. Returns how many were stored."""
    for publication in publications:
        for grade in publication.grades:
            principal.require_region(grade["region_code"])
        old = session.scalar(select(RiskPublication).where(RiskPublication.rule_set == publication.rule_set,
                                                           RiskPublication.date == publication.date))
        before = dict(old.counts) if old else None
        if old is not None:
            session.delete(old)
            session.flush()
        stored = RiskPublication(rule_set=publication.rule_set, date=publication.date,
                                 published_at=dt.datetime.now(dt.timezone.utc), source=source[:200],
                                 counts=publication.counts)
        stored.grades = [RiskGrade(region_code=g["region_code"], name=g.get("name") or "", level=g["level"],
                                   severity=g["severity"], colour=g["colour"], score=g.get("score"),
                                   reasons_zh=g["reasons_zh"], reasons_en=g["reasons_en"],
                                   indicators=g.get("indicators") or {}) for g in publication.grades]
        session.add(stored)
        record_change(session, actor=principal.actor, action="risk.publish", entity="risk_publication",
                      entity_id=f"{publication.rule_set}@{publication.date.isoformat()}", before=before,
                      after=publication.counts, region_code=principal.region_prefix or None,
                      reason=f"{len(publication.changes)} change(s)")
    session.flush()
    return len(publications)


def last_publication_date(session: Session, *, rule_set: str) -> dt.date | None:
    """The newest publication date of a rule set, or None."""
    return session.scalar(select(func.max(RiskPublication.date)).where(RiskPublication.rule_set == rule_set))


def publication_version(session: Session, *, rule_set: str) -> tuple:
    """A cheap fingerprint of a rule set's stored publications, for caches of views built from them:
    (how many, newest id, newest published_at). Storing one, replacing one (delete, then insert with a
    new published_at) or deleting one changes it. One aggregate query over an indexed column."""
    query = select(func.count(), func.max(RiskPublication.id), func.max(RiskPublication.published_at))
    return tuple(session.execute(query.where(RiskPublication.rule_set == rule_set)).one())


def publication_dates(session: Session, *, rule_set: str) -> list[dt.date]:
    query = select(RiskPublication.date).where(RiskPublication.rule_set == rule_set).order_by(RiskPublication.date)
    return list(session.scalars(query))


# A stored publication never changes (a re-grade deletes it and stores a new row with a new
# published_at), so its decoded grades are kept per (id, published_at): the map page and its JSON
# are read far more often than counties are graded.
_GRADES_CACHE: OrderedDict[tuple, list[dict]] = OrderedDict()
_GRADES_LOCK = threading.Lock()


def _all_grades(publication: RiskPublication) -> list[dict]:
    key = (publication.id, publication.published_at)
    with _GRADES_LOCK:
        cached = _GRADES_CACHE.get(key)
        if cached is not None:
            _GRADES_CACHE.move_to_end(key)
            return cached
    grades = [{"region_code": g.region_code, "name": g.name, "level": g.level, "severity": g.severity,
               "colour": g.colour, "score": g.score, "reasons_zh": g.reasons_zh, "reasons_en": g.reasons_en,
               "indicators": g.indicators} for g in sorted(publication.grades, key=lambda g: g.region_code)]
    with _GRADES_LOCK:
        _GRADES_CACHE[key] = grades
        while len(_GRADES_CACHE) > 256:
            _GRADES_CACHE.popitem(last=False)
    return grades


def _grades(publication: RiskPublication, principal: Principal, prefix: str = "") -> list[dict]:
    """The publication's grades the principal may see (copies: callers annotate them)."""
    return [dict(g) for g in _all_grades(publication)
            if principal.can_see_region(g["region_code"]) and g["region_code"].startswith(prefix)]


def publication_view(session: Session, *, rules: RuleSet, principal: Principal, date: dt.date | None = None,
                     prefix: str = "") -> dict | None:
    """The publication on ``date`` (or the latest on or before it), restricted to what the principal sees.

    {"rule_set", "title_zh", "title_en", "source", "date", "previous_date", "grades": [...],
     "counts": {level: n}, "changes": [{region_code, name, before, after, direction, text_zh, text_en}],
     "levels": [{key, severity, colour, zh, en}]}
    """
    query = select(RiskPublication).where(RiskPublication.rule_set == rules.name)
    if date is not None:
        query = query.where(RiskPublication.date <= date)
    publication = session.scalar(query.order_by(RiskPublication.date.desc()).limit(1))
    if publication is None:
        return None
    previous = session.scalar(select(RiskPublication).where(RiskPublication.rule_set == rules.name,
                                                            RiskPublication.date < publication.date)
                              .order_by(RiskPublication.date.desc()).limit(1))
    grades = _grades(publication, principal, prefix)
    before = _grades(previous, principal, prefix) if previous else None
    changes = changes_between(before, grades, rules)
    return {
        "rule_set": rules.name, "title_zh": rules.title_zh, "title_en": rules.title_en, "source": rules.source,
        "data_source": publication.source,
        "date": publication.date.isoformat(),
        "previous_date": previous.date.isoformat() if previous else None,
        "grades": grades,
        "counts": counts_per_level(grades, rules),
        "changes": [c.__dict__ for c in changes],
        "levels": [{"key": lv.key, "severity": lv.severity, "colour": lv.colour, "zh": lv.zh, "en": lv.en}
                   for lv in rules.levels],
    }


def region_history(session: Session, *, rules: RuleSet, region_code: str, principal: Principal) -> list[dict]:
    """Every publication's grade of one region, oldest first (AccessDenied outside the principal's scope)."""
    principal.require_region(region_code)
    query = (select(RiskGrade, RiskPublication.date).join(RiskPublication)
             .where(RiskPublication.rule_set == rules.name, RiskGrade.region_code == region_code)
             .order_by(RiskPublication.date))
    return [{"date": day.isoformat(), "level": g.level, "severity": g.severity, "colour": g.colour,
             "score": g.score, "reasons_zh": g.reasons_zh, "reasons_en": g.reasons_en}
            for g, day in session.execute(query)]
