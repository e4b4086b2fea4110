"""Transactional storage: SQLAlchemy 2 models, sessions, Alembic migrations, the audit log."""

from fugong.store.audit import AuditEntry, record_change
from fugong.store.base import Base
from fugong.store.db import connect, session_scope, upgrade

__all__ = ["AuditEntry", "Base", "connect", "record_change", "session_scope", "upgrade"]
