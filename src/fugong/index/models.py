"""SQLAlchemy models of the index domain."""

from fugong.store.base import Base  # noqa: F401
