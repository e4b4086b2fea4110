"""SQLAlchemy models of the healthcode domain."""

from fugong.store.base import Base  # noqa: F401
