"""Alembic environment: the engine comes from ``tradeguard.store.db.alembic_config``."""

from alembic import context

from tradeguard.store.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    context.run_migrations()
