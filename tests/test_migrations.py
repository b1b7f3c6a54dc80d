"""The migrations build exactly the schema the models declare, on both databases (no table, column, type or index
that one has and the other lacks)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from avatar_creator.db import Base, Database
from avatar_creator.migrations import load_models


def test_the_migrated_schema_is_the_models(database_url):
    load_models()
    database = Database(database_url, pool_size=1)
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        database.dispose()
    assert differences == []
