"""Alembic environment: the engine comes from ``tradeguard.kit.db.alembic_config``."""

from alembic import context

from tradeguard.tables import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    context.run_migrations()
