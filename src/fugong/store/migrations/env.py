"""Alembic environment: the engine is passed in by fugong.store.db.upgrade (no alembic.ini)."""

from alembic import context

from fugong.store.base import Base
from fugong.store import models_registry  # noqa: F401  (imports every domain's models)

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
