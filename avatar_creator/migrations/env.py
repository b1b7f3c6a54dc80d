"""Alembic environment: runs against the engine the caller passed in ``config.attributes``."""

from alembic import context

from avatar_creator.db import Base
from avatar_creator.migrations import load_models

load_models()
engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
