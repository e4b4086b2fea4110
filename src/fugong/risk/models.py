"""SQLAlchemy models of the risk domain."""

from fugong.store.base import Base  # noqa: F401
