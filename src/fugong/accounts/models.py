"""Users, their paired enterprises and their API tokens.

One row per user; the GB/T 2260 region prefix ("" = everywhere, "33" Zhejiang, "3301" Hangzhou)
and the enterprise links are what ``fugong.access.Principal`` is built from::

    users              id=7 username="3301-li" role="officer" region_prefix="3301"
    user_enterprises   (user_id=9, enterprise_id="91330100MA2XXXXXX1")  # enterprise users, service officers
    api_tokens         id=3 user_id=7 name="grid loader" token_hash="<sha256 hex>" revoked_at=None

Times are stored in UTC (timezone-aware); pages show them in Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fugong.store.base import Base


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(32))
    region_prefix: Mapped[str] = mapped_column(String(12), default="", index=True)
    # argon2id PHC string ("$argon2id$v=19$m=...,t=...,p=...$salt$hash"); None = no password login.
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    enterprises: Mapped[list[UserEnterprise]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="UserEnterprise.enterprise_id"
    )
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def enterprise_ids(self) -> list[str]:
        return [link.enterprise_id for link in self.enterprises]


class UserEnterprise(Base):
    """An enterprise user's one enterprise, or a service officer's paired enterprises."""

    __tablename__ = "user_enterprises"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)

    user: Mapped[User] = relationship(back_populates="enterprises")


class ApiToken(Base):
    """A bearer token for machine clients. Only a SHA-256 hash of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    user: Mapped[User] = relationship(back_populates="tokens")


class UserSession(Base):
    """A signed-in browser session, so that signing out ends it on the server.

    The cookie carries the session's random id (signed); only its SHA-256 is stored. Signing out
    revokes this row; "sign out everywhere" (an admin, or a password change) revokes all of a user's.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    user: Mapped[User] = relationship()


class RateLimit(Base):
    """A fixed-window counter shared by every worker process: ``key`` = "login-ip:203.0.113.9", ….
    ``hits`` counts the requests in the window that started at ``window_start`` (unix seconds)."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer)
    hits: Mapped[int] = mapped_column(Integer)
