"""The 0007 migrations create exactly the tables and columns the registry, workflow and resumption
models declare (an Alembic autogenerate comparison finds nothing to add or drop for them)."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from fugong.store import models_registry  # noqa: F401  (every model)
from fugong.store.base import Base

OURS = ("ent_", "wf_", "rs_")


def _ours(diff) -> bool:
    flat = diff if isinstance(diff, tuple) else diff[0]
    for part in flat:
        name = getattr(part, "name", None) or getattr(getattr(part, "table", None), "name", None)
        if isinstance(part, str) and part.startswith(OURS):
            return True
        if name and str(name).startswith(OURS):
            return True
    return False


def test_no_difference_between_migrations_and_models(engine):
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    ours = [d for d in diffs if _ours(d)]
    assert ours == [], ours
