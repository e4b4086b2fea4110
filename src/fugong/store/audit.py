"""The append-only audit log and the one helper every service uses for a state change.

A row says who did what to which record, when, with the state before and after and the reason::

    record_change(session, actor="officer:3301-li", action="filing.approve",
                  entity="filing", entity_id="F-2020-0001", region_code="330110",
                  before={"status": "submitted"}, after={"status": "approved"},
                  reason="白名单企业")

Append-only is enforced twice: the ORM refuses to update or delete an entry, and the migration
installs database triggers (SQLite and PostgreSQL) that abort any UPDATE or DELETE on the table.
Values must already be masked: callers pass masked personal data only (see DESIGN.md, security).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from fugong.store.base import Base


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(80), index=True)
    entity: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str] = mapped_column(String(120), index=True)
    region_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(*_args: Any) -> None:
    raise AuditLogIsAppendOnly("audit_log entries cannot be changed")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(*_args: Any) -> None:
    raise AuditLogIsAppendOnly("audit_log entries cannot be deleted")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def record_change(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
    region_code: str | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Add one audit entry to the session's transaction (it commits with the change it describes)."""
    if not actor:
        raise ValueError("an audit entry needs an actor")
    entry = AuditEntry(
        at=at or dt.datetime.now(dt.timezone.utc),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        region_code=region_code,
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason,
    )
    session.add(entry)
    return entry


def history(session: Session, *, entity: str, entity_id: str) -> list[AuditEntry]:
    """Every entry about one record, oldest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
        .order_by(AuditEntry.id)
    )
    return list(session.scalars(query))
