"""SQLAlchemy models of the risk domain: case rows, publications and their grades.

    risk_case         one row per series and day (series = region code, or "<province>:<label>"
                      for rows without region code such as 境外输入)
    risk_publication  one per rule set and publication day, with counts per level
    risk_grade        one per publication and region: level, colour, score, reasons, indicators
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fugong.store.base import Base


class RiskCase(Base):
    __tablename__ = "risk_case"
    __table_args__ = (UniqueConstraint("series_key", "date", name="uq_risk_case_series_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    series_key: Mapped[str] = mapped_column(String(60))
    region_code: Mapped[str | None] = mapped_column(String(6), nullable=True, index=True)
    province_code: Mapped[str] = mapped_column(String(6), index=True)
    label: Mapped[str] = mapped_column(String(60), default="")
    name: Mapped[str] = mapped_column(String(60), default="")
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    new_confirmed: Mapped[float | None] = mapped_column(Float, nullable=True)
    cumulative_confirmed: Mapped[float | None] = mapped_column(Float, nullable=True)
    new_local: Mapped[float | None] = mapped_column(Float, nullable=True)
    new_imported: Mapped[float | None] = mapped_column(Float, nullable=True)
    cluster_events: Mapped[float | None] = mapped_column(Float, nullable=True)
    population: Mapped[float | None] = mapped_column(Float, nullable=True)
    tests: Mapped[float | None] = mapped_column(Float, nullable=True)
    positives: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(200), default="")


class RiskPublication(Base):
    __tablename__ = "risk_publication"
    __table_args__ = (UniqueConstraint("rule_set", "date", name="uq_risk_publication_rule_set_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule_set: Mapped[str] = mapped_column(String(80), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(200), default="")
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    grades: Mapped[list[RiskGrade]] = relationship(back_populates="publication", cascade="all, delete-orphan")


class RiskGrade(Base):
    __tablename__ = "risk_grade"
    __table_args__ = (UniqueConstraint("publication_id", "region_code", name="uq_risk_grade_publication_region"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("risk_publication.id", ondelete="CASCADE"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(60), default="")
    level: Mapped[str] = mapped_column(String(30))
    severity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    colour: Mapped[str] = mapped_column(String(9))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    reasons_zh: Mapped[list] = mapped_column(JSON, default=list)
    reasons_en: Mapped[list] = mapped_column(JSON, default=list)
    indicators: Mapped[dict] = mapped_column(JSON, default=dict)
    publication: Mapped[RiskPublication] = relationship(back_populates="grades")
