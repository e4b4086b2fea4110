"""Migrations 0009_desk, 0010_desk_indexes and 0011_desk_milestones create exactly the desk tables and
indexes the models declare (autogenerate finds nothing)."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from fugong.store import models_registry  # noqa: F401  (every model)
from fugong.store.base import Base


def _names(diff) -> set[str]:
    flat = diff if isinstance(diff, tuple) else diff[0]
    names = set()
    for part in flat:
        for candidate in (getattr(part, "name", None), getattr(getattr(part, "table", None), "name", None), part):
            if isinstance(candidate, str):
                names.add(candidate)
    return names


def test_no_difference_between_the_desk_migration_and_the_models(engine):
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    ours = [d for d in diffs if any(n.startswith("desk_") for n in _names(d))]
    assert ours == [], ours
