"""SQLAlchemy models of the healthcode domain (tables prefixed ``hc_``).

Personal data minimisation (GB/T 38962-2020 data items, DESIGN.md §2): the ID number is never
stored in clear, only as a keyed hash (``id_hash``) plus a masked form (``id_masked``, e.g.
3301**********1234). Tokens carry ``code_id``, a random pseudonym, never the person's id.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fugong.store.base import Base

COLOURS = ("green", "yellow", "red")
RANK = {"green": 0, "yellow": 1, "red": 2}


class Person(Base):
    __tablename__ = "hc_person"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)  # "P" + 16 hex
    code_id: Mapped[str] = mapped_column(String(24), unique=True)  # pseudonym carried in tokens
    account_user_id: Mapped[str | None] = mapped_column(String(120), unique=True, nullable=True)
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(32))
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256 hex of the ID number
    id_masked: Mapped[str] = mapped_column(String(24))
    region_code: Mapped[str] = mapped_column(String(12), index=True)  # where the person lives (GB/T 2260)
    enterprise_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    colour: Mapped[str | None] = mapped_column(String(8), nullable=True)  # None until the first declaration
    colour_since: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    reason_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    rule_set: Mapped[str] = mapped_column(String(40), default="hangzhou-2020")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Declaration(Base):
    """One declaration (GB/T 38962-2020 items: current region, 14-day travel, symptoms, temperature, contact)."""

    __tablename__ = "hc_declaration"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("hc_person.id", ondelete="CASCADE"), index=True)
    declared_on: Mapped[dt.date] = mapped_column(Date, index=True)
    current_region: Mapped[str] = mapped_column(String(12))
    travel: Mapped[list] = mapped_column(JSON)  # [{"region": "420100", "date": "2020-02-01"}, ...]
    symptoms: Mapped[list] = mapped_column(JSON)  # ["cough", ...] from declarations.SYMPTOMS
    temperature: Mapped[float] = mapped_column(Float)
    contact_with_case: Mapped[bool] = mapped_column(Boolean)
    found_false: Mapped[bool] = mapped_column(Boolean, default=False)  # set by an officer: false declaration
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ListEntry(Base):
    """An authoritative list entry: a case, a close contact or a person under quarantine."""

    __tablename__ = "hc_list_entry"
    __table_args__ = (UniqueConstraint("kind", "id_hash", "start_date", name="uq_hc_list_entry_kind_hash_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))  # confirmed | suspected | close_contact | quarantine
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    id_masked: Mapped[str] = mapped_column(String(24))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # cured / released; None = current
    loaded_by: Mapped[str] = mapped_column(String(120))
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CheckIn(Base):
    __tablename__ = "hc_checkin"
    __table_args__ = (UniqueConstraint("person_id", "day", name="uq_hc_checkin_person_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("hc_person.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    temperature: Mapped[float] = mapped_column(Float)
    symptoms: Mapped[list] = mapped_column(JSON)
    normal: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ColourEvent(Base):
    """Every colour change, with the reason code shown to the person (rules.REASONS)."""

    __tablename__ = "hc_colour_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("hc_person.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[dt.date] = mapped_column(Date)
    from_colour: Mapped[str | None] = mapped_column(String(8), nullable=True)
    to_colour: Mapped[str] = mapped_column(String(8))
    reason_code: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))


class Appeal(Base):
    __tablename__ = "hc_appeal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("hc_person.id", ondelete="CASCADE"), index=True)
    contested_colour: Mapped[str] = mapped_column(String(8))
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | upheld | rejected
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    override_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Override(Base):
    """A manual colour change: requested by one authorised user, approved by another, with a legal basis."""

    __tablename__ = "hc_override"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("hc_person.id", ondelete="CASCADE"), index=True)
    to_colour: Mapped[str] = mapped_column(String(8))
    legal_basis: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | approved | rejected
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SigningKey(Base):
    """Ed25519 signing keys; the private key is encrypted (AES-GCM) with a key derived from the secret key."""

    __tablename__ = "hc_signing_key"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))  # base64url of the 32 raw bytes
    private_key_encrypted: Mapped[str] = mapped_column(Text)  # base64url(nonce || ciphertext)
    # At most one active key: a partial unique index (migration 0005) enforces it in the database.
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Revocation(Base):
    """A revoked token id; or every token of a code issued up to a time; or, for a colour change
    (``keep_colour`` set), every token of the code showing another colour (see tokens.is_revoked).
    """

    __tablename__ = "hc_revocation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    code_id: Mapped[str | None] = mapped_column(String(24), nullable=True, index=True)
    issued_until: Mapped[int | None] = mapped_column(Integer, nullable=True)  # unix seconds, inclusive
    keep_colour: Mapped[str | None] = mapped_column(String(8), nullable=True)
    reason: Mapped[str] = mapped_column(String(80))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Gate(Base):
    __tablename__ = "hc_gate"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    region_code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(80))


class Scan(Base):
    """One gate scan. ``accepted_key`` = gate id + token id for passes only: unique, so a replay fails."""

    __tablename__ = "hc_scan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gate_id: Mapped[str] = mapped_column(String(40), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    scanned_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    token_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    code_id: Mapped[str | None] = mapped_column(String(24), nullable=True, index=True)
    colour: Mapped[str | None] = mapped_column(String(8), nullable=True)
    temperature: Mapped[float | None] = mapped_column(Float, nullable=True)
    result: Mapped[str] = mapped_column(String(8))  # pass | deny
    reason_code: Mapped[str] = mapped_column(String(40))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_key: Mapped[str | None] = mapped_column(String(80), unique=True, nullable=True)
    client_scan_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # synced long after it was made (scans.LATE_AFTER)
    actor: Mapped[str] = mapped_column(String(120))
