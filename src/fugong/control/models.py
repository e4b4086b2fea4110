"""SQLAlchemy models of the control domain (tables prefixed ``control_``).

    control_observation  one indicator value per region, day and indicator, from a feed file or
                         from a fugong source ("fugong:<package>"); the value is kept as its exact
                         decimal text so an ordinal 2 or a share 0.62 is never a binary double
    control_run          one per ``fugong control run``: model, its file digest, as-of day, counts
    control_result       one per model, region, day and index: raw value, present/required, the
                         display value and the day it was carried from
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fugong.store.base import Base


class ControlObservation(Base):
    __tablename__ = "control_observation"
    __table_args__ = (UniqueConstraint("region_code", "date", "indicator", name="uq_control_observation_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    region_code: Mapped[str] = mapped_column(String(20), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    indicator: Mapped[str] = mapped_column(String(40), index=True)
    value: Mapped[str] = mapped_column(String(40))  # exact decimal text
    flag: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ControlRun(Base):
    __tablename__ = "control_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(80), index=True)
    model_digest: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[dt.date] = mapped_column(Date)
    start: Mapped[dt.date] = mapped_column(Date)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(120))
    summary: Mapped[dict] = mapped_column(JSON, default=dict)


class ControlResult(Base):
    __tablename__ = "control_result"
    __table_args__ = (UniqueConstraint("model", "region_code", "date", "index_code", name="uq_control_result_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(Integer, index=True)
    model: Mapped[str] = mapped_column(String(80), index=True)
    region_code: Mapped[str] = mapped_column(String(20), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    index_code: Mapped[str] = mapped_column(String(40))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    present: Mapped[int] = mapped_column(Integer)
    required: Mapped[int] = mapped_column(Integer)
    display: Mapped[float | None] = mapped_column(Float, nullable=True)
    carried_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
