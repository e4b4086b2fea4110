"""Tables of the resumption workflow (prefix ``rs_``).

    rs_employee        an enterprise's staff roster: post, safety-critical certificate, status,
                       origin region, planned return; linked to a health-code person by ID hash
    rs_employee_event  every status change, effective on a day (day counts and reports as of a day)
    rs_bundle          a leading firm's filing with its suppliers (Yangzhou)
    rs_filing          a resumption filing (复工备案) of one enterprise, moving through
                       machines/resumption-filing.toml; a bundle has one filing per supplier
    rs_inspection      an on-site inspection of a sampled commitment filing

Personal data: the resident ID number is never stored (``id_hash`` is the health code's keyed
hash, so that the roster links to ``hc_person`` without holding the number; ``id_masked`` shows
3301**********1234). Names are held for the enterprise's own roster page and masked everywhere else.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        text)
from sqlalchemy.orm import Mapped, mapped_column

from fugong.store.base import Base
from fugong.workflow.transitions import WorkflowState

STATUSES: dict[str, tuple[str, str]] = {
    "on_site": ("在岗", "on site"),
    "remote": ("远程办公", "remote"),
    "not_returned": ("未返岗", "not returned"),
    "quarantined": ("隔离中", "quarantined"),
    "sick": ("患病", "sick"),
    "left": ("离职", "left"),
}
CERTIFICATES: dict[str, tuple[str, str]] = {  # Nanjing: 安全管理负责人、特种作业岗位人员
    "safety_manager": ("安全管理负责人", "safety manager"),
    "special_operations": ("特种作业人员", "special operations"),
}


class Employee(Base):
    __tablename__ = "rs_employee"
    __table_args__ = (UniqueConstraint("enterprise_id", "employee_no", name="uq_rs_employee_enterprise_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("ent_enterprise.enterprise_id"), index=True)
    employee_no: Mapped[str] = mapped_column(String(40))  # the enterprise's own staff number
    name: Mapped[str] = mapped_column(String(80))
    id_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    id_masked: Mapped[str | None] = mapped_column(String(24), nullable=True)
    person_id: Mapped[str | None] = mapped_column(String(24), nullable=True, index=True)  # hc_person.id
    post: Mapped[str] = mapped_column(String(80), default="")
    safety_critical: Mapped[bool] = mapped_column(Boolean, default=False)
    certificate: Mapped[str | None] = mapped_column(String(24), nullable=True)  # CERTIFICATES
    status: Mapped[str] = mapped_column(String(16))  # STATUSES, as of now
    status_since: Mapped[dt.date] = mapped_column(Date)
    origin_region: Mapped[str | None] = mapped_column(String(6), nullable=True)  # where they come back from
    planned_return: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class EmployeeEvent(Base):
    __tablename__ = "rs_employee_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("rs_employee.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[dt.date] = mapped_column(Date, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Bundle(Base):
    __tablename__ = "rs_bundle"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    lead_enterprise_id: Mapped[str] = mapped_column(ForeignKey("ent_enterprise.enterprise_id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# The states in which a filing is open (filings.OPEN_STATES): an enterprise has at most one open filing,
# enforced by the database, so that two writers filing for it at once cannot both succeed.
OPEN_FILING = "state IN ('draft', 'submitted', 'provisionally_approved', 'approved', 'resumed', 'reassessment')"


class Filing(WorkflowState, Base):
    __tablename__ = "rs_filing"
    __table_args__ = (Index("uq_rs_filing_one_open", "enterprise_id", unique=True, sqlite_where=text(OPEN_FILING),
                            postgresql_where=text(OPEN_FILING)),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True)  # "F20200211-1a2b3c4d"
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("ent_enterprise.enterprise_id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # the county that decides it
    policy: Mapped[str] = mapped_column(String(80))  # "commitment-harbin-2020@1"
    kind: Mapped[str] = mapped_column(String(12), default="single")  # single | bundle_lead | bundle_part
    bundle_id: Mapped[str | None] = mapped_column(ForeignKey("rs_bundle.id"), nullable=True, index=True)
    planned_start: Mapped[dt.date] = mapped_column(Date)
    staff_planned: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # the enterprise's checklist answers
    checklist: Mapped[list | None] = mapped_column(JSON, nullable=True)  # evaluated items at submission
    classes: Mapped[list | None] = mapped_column(JSON, nullable=True)  # measures classes at submission
    priority_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pledge_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    pledge_signed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    pledge_signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sample_probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    sampled: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    declared_resumed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Inspection(Base):
    __tablename__ = "rs_inspection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    filing_id: Mapped[str] = mapped_column(ForeignKey("rs_filing.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(8))  # passed | failed
    findings: Mapped[str] = mapped_column(Text, default="")
    inspected_on: Mapped[dt.date] = mapped_column(Date)
    inspector: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# The colour hook (a safety check queued when a linked person turns yellow or red) is installed with
# the models. Every fugong process imports them: the schema upgrade that each command and the server
# run first imports every model (store/models_registry.py), so no colour change misses its check.
def _install_hooks() -> None:
    from fugong.resumption import jobs  # noqa: F401  (installs the hook and registers the handlers)


_install_hooks()
