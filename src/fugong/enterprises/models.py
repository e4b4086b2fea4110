"""The enterprise registry's tables (prefix ``ent_``): every workflow and the meter data point here.

    ent_enterprise        one row per enterprise, keyed by the enterprise_id used everywhere
                          (meter files, gates, people, enterprise accounts); USCC unique when present
    ent_white_list        a named white list of a region for a period (e.g. 温州第二时段白名单)
    ent_white_list_entry  an enterprise on a list, with who added it and why
    ent_project           key projects and construction sites, with their resumption status
    ent_project_event     every status change of a project, effective on a day (reports as of a day)

Example row of ``ent_enterprise``::

    enterprise_id="E0000042" uscc="91330110MA27XXXXXX" name="杭州某机械有限公司"
    region_code="330110" region_vintage="2020" address="余杭区某路1号" latitude=30.42 longitude=120.30
    industry_code="34" above_scale=True size_class="medium" enterprise_class="industrial"
    essential_supply=False export=True listed=False key_project=False source="import"
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fugong.store.base import Base

SIZE_CLASSES: dict[str, tuple[str, str]] = {  # 国家统计局《统计上大中小微型企业划分办法》(2017)
    "large": ("大型", "large"),
    "medium": ("中型", "medium"),
    "small": ("小型", "small"),
    "micro": ("微型", "micro"),
}
FLAGS: dict[str, tuple[str, str]] = {
    "essential_supply": ("保供企业", "essential supply"),
    "export": ("重点出口企业", "key exporter"),
    "listed": ("上市企业", "listed company"),
    "key_project": ("重点项目", "key project"),
}
SOURCES = ("self", "officer", "import", "meter", "bundle")
PROJECT_KINDS: dict[str, tuple[str, str]] = {
    "key_project": ("重点项目", "key project"),
    "construction_site": ("建筑工地", "construction site"),
}
PROJECT_STATUSES: dict[str, tuple[str, str]] = {
    "not_started": ("未复工", "not resumed"),
    "resumed": ("已复工", "resumed"),
    "suspended": ("停工", "suspended"),
}


class Enterprise(Base):
    __tablename__ = "ent_enterprise"

    enterprise_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True, nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # operating county, GB/T 2260
    region_vintage: Mapped[str] = mapped_column(String(4))  # the code list the code is from ("2020")
    address: Mapped[str] = mapped_column(Text, default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    industry_code: Mapped[str | None] = mapped_column(String(8), nullable=True)  # GB/T 4754-2017 division or section
    above_scale: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # 规上 True, 规下 False, unknown None
    size_class: Mapped[str | None] = mapped_column(String(8), nullable=True)  # SIZE_CLASSES
    enterprise_class: Mapped[str] = mapped_column(String(24), default="industrial")  # risk.measures.ENTERPRISE_CLASSES
    essential_supply: Mapped[bool] = mapped_column(Boolean, default=False)
    export: Mapped[bool] = mapped_column(Boolean, default=False)
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    key_project: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_email: Mapped[str | None] = mapped_column(String(200), nullable=True)  # for outbox e-mail
    source: Mapped[str] = mapped_column(String(12), default="officer")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WhiteList(Base):
    __tablename__ = "ent_white_list"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))
    region_prefix: Mapped[str] = mapped_column(String(6), index=True)  # "3303" Wenzhou
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # None: until withdrawn
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WhiteListEntry(Base):
    __tablename__ = "ent_white_list_entry"
    __table_args__ = (UniqueConstraint("list_id", "enterprise_id", name="uq_ent_white_list_entry_list_enterprise"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("ent_white_list.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("ent_enterprise.enterprise_id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(String(120))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Project(Base):
    __tablename__ = "ent_project"

    project_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # PROJECT_KINDS
    name: Mapped[str] = mapped_column(String(200))
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("ent_enterprise.enterprise_id"), nullable=True, index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    address: Mapped[str] = mapped_column(Text, default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="not_started")  # PROJECT_STATUSES, as of now
    status_since: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    listed_on: Mapped[dt.date] = mapped_column(Date)  # the day it became a key project / site (reports count from it)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ProjectEvent(Base):
    __tablename__ = "ent_project_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("ent_project.project_id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[dt.date] = mapped_column(Date, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text, default="")
