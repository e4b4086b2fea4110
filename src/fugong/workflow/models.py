"""Tables of the shared workflow pattern (prefix ``wf_``), used by every service workflow.

    wf_transition    one row per state change of any workflow entity: who, when, from, to, why
                     (the timeline, the funnels and the audit read these rows)
    wf_notification  an in-app message to an enterprise or a user (always written)
    wf_outbox        a delivery of a notification by e-mail or webhook, sent by a worker
    wf_job           a job with a due time and an idempotency key, run by the scheduler or cron
    wf_lease         named leases: which process holds the scheduler (one at a time)
    wf_report        a report frozen for a day, in numbered versions (a late correction adds one)

Example rows::

    wf_transition  machine="resumption-filing" entity_id="F20200211-0001" action="approve"
                   from_state="submitted" to_state="approved" actor="officer:3301-li" role="officer"
                   at=2020-02-11T02:14:00Z reason="防控方案齐全" region_code="330110"
    wf_job         kind="resumption.freeze_report" key="resumption.daily@2020-02-11/first"
                   due_at=2020-02-11T12:00:00Z status="done"
    wf_report      kind="resumption.daily" day=2020-02-11 version=2 reason="late correction"
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fugong.store.base import Base


class TransitionRow(Base):
    __tablename__ = "wf_transition"
    __table_args__ = (
        Index("ix_wf_transition_machine_entity", "machine", "entity_id"),
        Index("ix_wf_transition_machine_at", "machine", "at"),
        # Counting entities by the state they entered up to a time, per region (funnels "as of"; covering
        # the count so it reads the index only): added by the desk.
        Index("ix_wf_transition_machine_to_state_at", "machine", "to_state", "at", "region_code", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    machine: Mapped[str] = mapped_column(String(60))
    machine_version: Mapped[int] = mapped_column(Integer)
    entity_id: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(40), nullable=True)  # None: the entity was created
    to_state: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    region_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    data: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class Notification(Base):
    __tablename__ = "wf_notification"
    __table_args__ = (Index("ix_wf_notification_recipient", "recipient_kind", "recipient_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    recipient_kind: Mapped[str] = mapped_column(String(16))  # "enterprise" | "user"
    recipient_id: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    kind: Mapped[str] = mapped_column(String(60))  # e.g. "filing.approved"
    subject_zh: Mapped[str] = mapped_column(String(200))
    subject_en: Mapped[str] = mapped_column(String(200))
    body_zh: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(300), nullable=True)
    entity: Mapped[str | None] = mapped_column(String(60), nullable=True)
    entity_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OutboxMessage(Base):
    __tablename__ = "wf_outbox"
    __table_args__ = (Index("ix_wf_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("wf_notification.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # "email" | "webhook"
    target: Mapped[str] = mapped_column(String(300))  # address or URL
    dedupe_key: Mapped[str] = mapped_column(String(180), unique=True)  # sent as Idempotency-Key / Message-ID
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Job(Base):
    __tablename__ = "wf_job"
    __table_args__ = (Index("ix_wf_job_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(200), unique=True)  # idempotency: one job per key, ever
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | running | done | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    claimed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Lease(Base):
    __tablename__ = "wf_lease"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    acquired_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Report(Base):
    __tablename__ = "wf_report"
    __table_args__ = (UniqueConstraint("kind", "day", "version", name="uq_wf_report_kind_day_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(60))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    version: Mapped[int] = mapped_column(Integer)
    frozen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    frozen_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    columns: Mapped[list] = mapped_column(JSON)
    rows: Mapped[list] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(64))  # sha256 of the rows' canonical JSON
