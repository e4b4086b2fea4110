"""The demand desk's tables (prefix ``desk_``).

    desk_unit          a unit of the desk: contact unit (包保联络单位), triage office (发改委), responsible
                       department (责任单位), town/street/park; one unit may be several of these
    desk_member        a user (accounts username) working in a unit; ``head`` marks the department head
    desk_grid_area     a grid area (网格) of firms, looked after by one contact unit
    desk_grid_firm     an enterprise in a grid area (one area per enterprise)
    desk_round         a collection round (Wuhu: every two days) of a region: [starts_at, ends_at)
    desk_demand        a demand (诉求) of an enterprise; moves through machines/demand.toml
    desk_attachment    a file attached to a demand (stored under <data_dir>/desk/attachments/<sha256>)
    desk_term          the search index: character bigrams and words of a demand's text
    desk_routing_set   a version of the routing rules (published, never edited)
    desk_routing_rule  category × region prefix × conditions → department, in one version
    desk_pairing       an official paired with an enterprise, in a layer (leader / department / grid)
    desk_contact       the visit and contact log: who contacted which firm, when, how
    desk_milestone     the first time a demand entered a state the funnel counts (per department for
                       "dispatched"): a projection of its transition rows, for the open round's funnel
    desk_api_key       an Open311 client's key (hash only), bound to a unit or an enterprise

Example rows::

    desk_unit     code="WH-RSJ" name_zh="人社局" region_code="340203" is_contact=True is_department=True
    desk_demand   id=17 enterprise_id="E-WH-0042" category="funding" amount_yuan=5000000
                  contact_unit="WH-RSJ" department="WH-JRB" round_id=3 due_on=2020-02-21 state="in_progress"
    desk_pairing  enterprise_id="E-WH-0042" username="wh-leader-1" layer="leader" unit_code="WH-GWH"
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from fugong.store.base import Base
from fugong.workflow.transitions import WorkflowState

LAYERS: dict[str, tuple[str, str]] = {  # seed 004: 宁波高新区“分层结对”
    "leader": ("领导联系重点企业和项目", "leaders → key firms and projects"),
    "department": ("机关部门结对服务", "departments → firms"),
    "grid": ("街道、园区网格包干", "towns, streets and parks → every other firm by grid area"),
}
SOURCES = ("enterprise", "contact", "visit", "open311", "import")
CHANNELS = ("visit", "phone", "online", "meeting")


class Unit(Base):
    __tablename__ = "desk_unit"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # the unit's jurisdiction (prefix of its firms)
    is_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    is_triage: Mapped[bool] = mapped_column(Boolean, default=False)
    is_department: Mapped[bool] = mapped_column(Boolean, default=False)
    is_town: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Member(Base):
    __tablename__ = "desk_member"
    __table_args__ = (UniqueConstraint("username", "unit_code", name="uq_desk_member_username_unit"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("desk_unit.code"), index=True)
    head: Mapped[bool] = mapped_column(Boolean, default=False)


class GridArea(Base):
    __tablename__ = "desk_grid_area"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    unit_code: Mapped[str] = mapped_column(ForeignKey("desk_unit.code"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)


class GridFirm(Base):
    __tablename__ = "desk_grid_firm"

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("ent_enterprise.enterprise_id"), primary_key=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("desk_grid_area.code"), index=True)


class Round(Base):
    __tablename__ = "desk_round"
    __table_args__ = (UniqueConstraint("region_prefix", "number", name="uq_desk_round_region_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    region_prefix: Mapped[str] = mapped_column(String(6), index=True)
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(60))  # "第3轮 02-14–02-15"
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))  # exclusive; the round's figures are as of it


class Demand(WorkflowState, Base):
    __tablename__ = "desk_demand"
    # The queues' indexes (0010_desk_indexes). Each list is "these rows, newest / soonest first, 50 at
    # a time, and how many": the leading columns are the list's equality filters, then its order,
    # then region_code so the region-scoped count reads the index alone. They are chosen so SQLite
    # picks them without ANALYZE statistics (a deployment rarely runs ANALYZE): two equality
    # columns outrank the one-column state index, and the order column spares a sort.
    __table_args__ = (
        Index("ix_desk_demand_department_state_due_region", "department", "state", "due_on", "region_code"),
        Index("ix_desk_demand_contact_updated_region", "contact_unit", "updated_at", "region_code"),
        Index("ix_desk_demand_contact_state", "contact_unit", "state"),
        Index("ix_desk_demand_region_state", "region_code", "state"),
        Index("ix_desk_demand_enterprise_state_due", "enterprise_id", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("ent_enterprise.enterprise_id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6))  # the enterprise's county when recorded
    category: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    policy_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)  # the policy asked about (芜湖市十八条 第5条)
    amount_yuan: Mapped[float | None] = mapped_column(Numeric(16, 2), nullable=True)  # financial demands
    source: Mapped[str] = mapped_column(String(12))  # SOURCES
    contact_unit: Mapped[str | None] = mapped_column(ForeignKey("desk_unit.code"), nullable=True)
    area_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("desk_round.id"), nullable=True, index=True)
    department: Mapped[str | None] = mapped_column(ForeignKey("desk_unit.code"), nullable=True)
    routing_rule_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dispatch_count: Mapped[int] = mapped_column(Integer, default=0)  # names the jobs of one dispatch
    due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)  # 0 none, 1 head, 2 paired official
    merged_into: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1–5 by the enterprise
    address_string: Mapped[str | None] = mapped_column(Text, nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class Milestone(Base):
    """The first time a demand entered a state the funnel counts — collected, valid, dispatched,
    invalid, merged — written in the same transaction as the transition row (``milestones.record``)
    and filled from the rows by migration 0011. "dispatched" has a row per department the demand was
    ever dispatched to and one with ``department=""`` for any department::

        demand_id=17 state="dispatched" department=""       first_at=02-13 09:10  (first dispatch)
        demand_id=17 state="dispatched" department="WH-JRB" first_at=02-13 09:10
        demand_id=17 state="dispatched" department="WH-RSJ" first_at=02-16 15:02  (re-dispatched)

    The funnel as of a time counts "entered before t" as one range of an index here, where the
    transition rows need a probe per row for "and not before" (``rounds._growth``). The firm, its
    contact unit and region are the demand's, which never change once recorded."""

    __tablename__ = "desk_milestone"
    __table_args__ = (
        # "entered in [F, t)" per state, counted and grouped from the index alone
        Index("ix_desk_milestone_state_first", "state", "first_at", "department", "region_code", "contact_unit",
              "enterprise_id"),
        # "had this firm (through this unit) a valid demand before F?": one step per firm
        Index("ix_desk_milestone_enterprise", "enterprise_id", "state", "contact_unit", "first_at", "region_code"),
    )

    demand_id: Mapped[int] = mapped_column(ForeignKey("desk_demand.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(40), primary_key=True)
    department: Mapped[str] = mapped_column(String(40), primary_key=True, default="")
    first_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    region_code: Mapped[str] = mapped_column(String(6))
    enterprise_id: Mapped[str] = mapped_column(String(40))
    contact_unit: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Attachment(Base):
    __tablename__ = "desk_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("desk_demand.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(String(120))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Term(Base):
    __tablename__ = "desk_term"
    __table_args__ = (Index("ix_desk_term_term", "term", "demand_id"),)

    demand_id: Mapped[int] = mapped_column(ForeignKey("desk_demand.id", ondelete="CASCADE"), primary_key=True)
    term: Mapped[str] = mapped_column(String(40), primary_key=True)


class RoutingSet(Base):
    __tablename__ = "desk_routing_set"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(300), default="")


class RoutingRule(Base):
    __tablename__ = "desk_routing_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(ForeignKey("desk_routing_set.version"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the file (the last tie-breaker)
    category: Mapped[str] = mapped_column(String(32))  # a category key or "*"
    region_prefix: Mapped[str] = mapped_column(String(6), default="")
    conditions: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # {"min_amount_yuan": 1e7, "above_scale": true}
    department: Mapped[str] = mapped_column(ForeignKey("desk_unit.code"))


class Pairing(Base):
    __tablename__ = "desk_pairing"
    __table_args__ = (Index("ix_desk_pairing_enterprise", "enterprise_id", "ended_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("ent_enterprise.enterprise_id"))
    username: Mapped[str] = mapped_column(String(64), index=True)
    layer: Mapped[str] = mapped_column(String(12))  # LAYERS
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("desk_unit.code"), nullable=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str] = mapped_column(String(120))


class Contact(Base):
    __tablename__ = "desk_contact"
    __table_args__ = (Index("ix_desk_contact_unit_at", "unit_code", "at"),
                      # firms contacted by a unit: count(distinct enterprise_id) from the index alone
                      Index("ix_desk_contact_unit_enterprise", "unit_code", "enterprise_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("ent_enterprise.enterprise_id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("desk_unit.code"), nullable=True)
    actor: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(12))  # CHANNELS
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class ApiKey(Base):
    __tablename__ = "desk_api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("desk_unit.code"), nullable=True)
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("ent_enterprise.enterprise_id"), nullable=True)
    region_prefix: Mapped[str] = mapped_column(String(6), default="")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
