"""Services of the control index over the store: load feeds, run a model, read results, the quadrant.

Plain keyword-only functions; each takes a ``Principal`` and keeps to its region prefix. Writes
are one transaction each, audited in that transaction, and idempotent (the same file twice, or the
same run twice, changes nothing). Two writers at once: every row has a unique key; a writer that
loses a race retries its whole transaction, which then finds the other's rows unchanged.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from fugong.access import Principal
from fugong.control.engine import Observation, compute
from fugong.control.model import Model
from fugong.control.models import ControlObservation, ControlResult, ControlRun
from fugong.store.audit import record_change
from fugong.store.db import session_scope, write_lock

RETRIES = 5


def before_commit() -> None:
    """Called inside a write transaction, after its rows are flushed (tests make it crash)."""


def decimal_text(value: Fraction) -> str:
    """The exact decimal text of a value read from a decimal (31/50 → '0.62', 2 → '2')."""
    if value.denominator == 1:
        return str(value.numerator)
    text = format((Decimal(value.numerator) / Decimal(value.denominator)).normalize(), "f")
    return text


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class LoadSummary:
    file: str
    rows: int = 0
    accepted: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_path: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _transaction(engine, work):
    """Run ``work(session)`` in one transaction, retrying when a concurrent writer won a race."""
    for attempt in range(RETRIES):
        try:
            with write_lock(engine), session_scope(engine) as session:
                return work(session)
        except (IntegrityError, OperationalError):
            if attempt == RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _upsert(session, rows: list[tuple[Observation, str, str]]) -> tuple[int, int, int]:
    """Insert or update observations (obs, note, source); returns (inserted, updated, unchanged).

    Plain rows and statements run once for many parameter sets (tens of thousands of observations a
    run: as ORM objects their loading and flushing took most of the run's time)."""
    if not rows:
        return 0, 0, 0
    table = ControlObservation.__table__
    regions = sorted({o.region_code for o, _, _ in rows})
    indicators = sorted({o.indicator for o, _, _ in rows})
    first, last = min(o.date for o, _, _ in rows), max(o.date for o, _, _ in rows)
    existing = {}
    for chunk in range(0, len(regions), 500):
        query = select(table.c.id, table.c.region_code, table.c.date, table.c.indicator, table.c.value,
                       table.c.flag, table.c.note).where(
            table.c.region_code.in_(regions[chunk:chunk + 500]), table.c.indicator.in_(indicators),
            table.c.date.between(first, last))
        for row in session.execute(query):
            existing[(row.region_code, row.date, row.indicator)] = row
    now = _now()
    inserts, updates, unchanged = [], [], 0
    for obs, note, source in rows:
        text, note = decimal_text(obs.value), note[:500]
        row = existing.get((obs.region_code, obs.date, obs.indicator))
        if row is None:
            inserts.append({"region_code": obs.region_code, "date": obs.date, "indicator": obs.indicator, "value": text,
                            "flag": obs.flag, "note": note, "source": source[:200], "loaded_at": now})
        elif (row.value, row.flag, row.note) != (text, obs.flag, note):
            updates.append({"row_id": row.id, "new_value": text, "new_flag": obs.flag, "new_note": note,
                            "new_source": source[:200], "new_loaded_at": now})
        else:
            unchanged += 1
    if inserts:
        session.execute(insert(table), inserts)
    if updates:
        session.execute(update(table).where(table.c.id == bindparam("row_id"))
                        .values({k: bindparam(f"new_{k}") for k in ("value", "flag", "note", "source", "loaded_at")}),
                        updates)
    return len(inserts), len(updates), unchanged


def load_feed(engine, *, path: str | Path, principal: Principal, rejects_dir: str | Path) -> LoadSummary:
    """Validate a tidy indicator file and load its good rows (rejects go to a file in ``rejects_dir``)."""
    from fugong.control.feeds import read_feed, rejects_file, write_rejects

    path = Path(path)
    read = read_feed(path, gb2260=True, allowed_regions=principal.can_see_region)
    summary = LoadSummary(file=str(path), rows=read.total, rejected=len(read.rejects), accepted=len(read.rows))
    written = write_rejects(read.rejects, rejects_file(rejects_dir, path))
    summary.rejects_path = str(written) if written else None
    source = f"feed:{path.name}"

    def work(session):
        inserted, updated, unchanged = _upsert(session, [(r.observation, r.note, source) for r in read.rows])
        if inserted or updated:
            record_change(session, actor=principal.actor, action="control.feed.load", entity="control_feed",
                          entity_id=path.name[-120:], region_code=principal.region_prefix or None,
                          after={"inserted": inserted, "updated": updated, "unchanged": unchanged,
                                 "rejected": summary.rejected},
                          reason="指标数据导入 / indicator feed load")
        before_commit()
        return inserted, updated, unchanged

    summary.inserted, summary.updated, summary.unchanged = _transaction(engine, work)
    return summary


def _observations(session, model: Model, start: dt.date, end: dt.date) -> list[Observation]:
    o = ControlObservation.__table__.c
    query = select(o.region_code, o.date, o.indicator, o.value, o.flag).where(
        o.indicator.in_(model.indicator_codes), o.date.between(start, end))
    return [Observation(r.region_code, r.date, r.indicator, Fraction(r.value), r.flag) for r in session.execute(query)]


def run(engine, *, settings, model: Model, as_of: dt.date, principal: Principal, days: int = 28) -> dict:
    """Compute fugong's own indicators for the ``days`` up to ``as_of``, store them, compute the model
    over everything stored for those days (feeds too) and store its results. Returns a summary."""
    from fugong.control.sources import SourceContext, collect, discover

    start = as_of - dt.timedelta(days=days - 1)
    registry = discover()
    codes = [c for c in model.indicator_codes if c in registry]
    with session_scope(engine) as session:
        ctx = SourceContext(settings=settings, session=session, start=start, end=as_of)
        produced, report = collect(ctx, codes)
    rows = [(Observation(region, day, code, Fraction(repr(value))), "", f"fugong:{registry[code].package}")
            for region, day, code, value in produced if principal.can_see_region(region)]
    keys = {(o.region_code, o.date, o.indicator) for o, _, _ in rows}

    def work(session):
        inserted, updated, unchanged = _upsert(session, rows)
        # values a source no longer gives (corrected data) leave the store; feed rows stay
        o = ControlObservation.__table__.c
        stale = [row.id for row in session.execute(select(o.id, o.region_code, o.date, o.indicator).where(
            o.indicator.in_(codes), o.date.between(start, as_of), o.source.like("fugong:%")))
            if (row.region_code, row.date, row.indicator) not in keys and principal.can_see_region(row.region_code)]
        for chunk in range(0, len(stale), 500):
            session.execute(delete(ControlObservation.__table__).where(o.id.in_(stale[chunk:chunk + 500])))
        observations = [o for o in _observations(session, model, start, as_of) if principal.can_see_region(o.region_code)]
        results = [r for r in compute(model, observations, as_of=as_of) if r.date >= start]
        record = ControlRun(model=model.name, model_digest=model.digest, as_of=as_of, start=start, computed_at=_now(),
                            actor=principal.actor, summary={})
        session.add(record)
        session.flush()
        regions = sorted({r.region_code for r in results})
        scope = delete(ControlResult).where(ControlResult.model == model.name,
                                            ControlResult.date.between(start, as_of))
        if principal.region_prefix:
            scope = scope.where(ControlResult.region_code.like(f"{principal.region_prefix}%"))
        session.execute(scope)
        if results:
            session.execute(insert(ControlResult.__table__), [
                {"run_id": record.id, "model": model.name, "region_code": r.region_code, "date": r.date,
                 "index_code": r.index, "value": _float(r.value), "present": r.present, "required": r.required,
                 "display": _float(r.display), "carried_from": r.carried_from} for r in results])
        summary = {"model": model.name, "as_of": as_of.isoformat(), "start": start.isoformat(), "run_id": record.id,
                   "sources": report, "indicators": {"inserted": inserted, "updated": updated, "unchanged": unchanged,
                                                     "removed": len(stale)},
                   "regions": len(regions), "results": len(results),
                   "null_today": sum(1 for r in results if r.date == as_of and r.value is None)}
        record.summary = summary
        record_change(session, actor=principal.actor, action="control.run", entity="control_run",
                      entity_id=f"{model.name}@{as_of.isoformat()}", region_code=principal.region_prefix or None,
                      after={k: v for k, v in summary.items() if k != "sources"},
                      reason=f"精密智控指数计算 / control index run ({model.digest[:12]})")
        before_commit()
        return summary

    return _transaction(engine, work)


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def results(session, *, model: str, principal: Principal, date: dt.date | None = None, prefix: str = "") -> list[dict]:
    """Stored results of a model (one day, or all), inside the principal's region and ``prefix``."""
    query = select(ControlResult).where(ControlResult.model == model)
    if date is not None:
        query = query.where(ControlResult.date == date)
    scope = principal.region_prefix if len(principal.region_prefix) >= len(prefix) else prefix
    if scope:
        query = query.where(ControlResult.region_code.like(f"{scope}%"))
    out = []
    for r in session.scalars(query.order_by(ControlResult.region_code, ControlResult.date, ControlResult.index_code)):
        if principal.can_see_region(r.region_code) and r.region_code.startswith(prefix):
            out.append({"region_code": r.region_code, "date": r.date, "index": r.index_code, "value": r.value,
                        "present": r.present, "required": r.required, "display": r.display,
                        "carried_from": r.carried_from})
    return out


def result_dates(session, *, model: str) -> list[dt.date]:
    query = select(ControlResult.date).where(ControlResult.model == model).distinct().order_by(ControlResult.date)
    return list(session.scalars(query))


def last_run(session, *, model: str) -> dict | None:
    record = session.scalar(select(ControlRun).where(ControlRun.model == model).order_by(ControlRun.id.desc()).limit(1))
    if record is None:
        return None
    return {"id": record.id, "model": record.model, "model_digest": record.model_digest, "as_of": record.as_of,
            "start": record.start, "computed_at": record.computed_at, "actor": record.actor, "summary": record.summary}
