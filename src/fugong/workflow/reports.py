"""Reports frozen per day, in versions: what the command centre saw on a date stays reproducible.

``freeze(session, kind=…, day=…, columns=…, rows=…)`` stores the rows as version 1, or — when the
latest version's rows differ (a late correction) — as the next version; identical rows make no new
version (freezing twice is a no-op). Old versions are never changed or deleted. Two freezers at once:
the unique (kind, day, version) key lets one win; the other re-reads and either finds the same rows
(no-op) or stores the next version.

    freeze(session, kind="resumption.daily", day=date(2020, 2, 11), columns=[...], rows=[...],
           actor="system:scheduler", reason="frozen at 20:00")       -> (Report v1, True)
    latest(session, kind="resumption.daily", day=date(2020, 2, 11))  -> Report v1
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fugong.store.audit import record_change
from fugong.workflow.models import Report
from fugong.workflow.sql import insert_or_skip


def checksum(rows: list) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def latest(session: Session, *, kind: str, day: dt.date) -> Report | None:
    return session.scalar(select(Report).where(Report.kind == kind, Report.day == day)
                          .order_by(Report.version.desc()).limit(1))


def get(session: Session, *, kind: str, day: dt.date, version: int | None = None) -> Report | None:
    """A version of a day's report (the latest when ``version`` is None), or None."""
    if version is None:
        return latest(session, kind=kind, day=day)
    return session.scalar(select(Report).where(Report.kind == kind, Report.day == day, Report.version == version))


def versions(session: Session, *, kind: str, day: dt.date) -> list[dict]:
    return [{"version": r.version, "frozen_at": _aware(r.frozen_at).isoformat(), "frozen_by": r.frozen_by,
             "reason": r.reason, "checksum": r.checksum}
            for r in session.scalars(select(Report).where(Report.kind == kind, Report.day == day)
                                     .order_by(Report.version))]


def frozen_days(session: Session, *, kind: str) -> list[dt.date]:
    return list(session.scalars(select(Report.day).where(Report.kind == kind).group_by(Report.day)
                                .order_by(Report.day.desc())))


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def freeze(session: Session, *, kind: str, day: dt.date, columns: list[str], rows: list[dict], actor: str,
           reason: str | None = None, at: dt.datetime | None = None) -> tuple[Report, bool]:
    """Store the day's rows as a new version unless the latest version has the same rows.

    Returns (the report version now current, whether it was created). A concurrent freezer's insert of the
    same version makes this one read again (INSERT … ON CONFLICT DO NOTHING), never fails the caller.
    """
    digest = checksum(rows)
    for _ in range(3):
        current = latest(session, kind=kind, day=day)
        if current is not None and current.checksum == digest:
            return current, False
        version = (current.version if current else 0) + 1
        values = dict(kind=kind, day=day, version=version, frozen_at=(at or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc),
                      frozen_by=actor, reason=reason or ("frozen" if version == 1 else "late correction"),
                      columns=list(columns), rows=rows, checksum=digest)
        if not insert_or_skip(session, Report, values, ("kind", "day", "version")):
            continue  # a concurrent freezer stored this version first: read again
        report = get(session, kind=kind, day=day, version=version)
        record_change(session, actor=actor, action="report.freeze", entity=kind, entity_id=f"{day.isoformat()}/v{version}",
                      before={"version": current.version, "checksum": current.checksum} if current else None,
                      after={"version": version, "checksum": digest, "rows": len(rows)}, reason=report.reason)
        session.flush()
        return report, True
    raise RuntimeError(f"could not freeze {kind} {day}: concurrent freezers kept winning")


def max_version(session: Session, *, kind: str, day: dt.date) -> int:
    return int(session.scalar(select(func.coalesce(func.max(Report.version), 0))
                              .where(Report.kind == kind, Report.day == day)))
