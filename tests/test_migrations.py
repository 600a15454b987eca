"""The migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from tradeguard.kit.db import is_current, migrate
from tradeguard.tables import metadata


def test_migrated_schema_matches_models(engine: Engine) -> None:
    assert is_current(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_migrating_twice_is_harmless(engine: Engine) -> None:
    migrate(engine)
    assert is_current(engine)
