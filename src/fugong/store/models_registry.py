"""Imports every domain's models so that Base.metadata knows all tables (for Alembic)."""

from fugong.store import audit  # noqa: F401
