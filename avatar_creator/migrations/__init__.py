"""Alembic migrations, run by ``serve`` at start and by ``avatar-creator migrate``, under a lock."""

from __future__ import annotations

import importlib
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from filelock import FileLock
from sqlalchemy import Engine, text

# Every module that declares tables, so that Base.metadata is complete for autogenerate and the tests.
MODEL_MODULES = (
    "avatar_creator.auth.models",
    "avatar_creator.credits.models",
    "avatar_creator.projects.models",
    "avatar_creator.avatars.models",
    "avatar_creator.generation.models",
    "avatar_creator.jobs.models",
    "avatar_creator.events.models",
    "avatar_creator.catalog.models",
    "avatar_creator.admin.models",
)

ADVISORY_LOCK_ID = 0x41564154  # "AVAT": one number every replica agrees on


def load_models() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, *, lock_dir: Path | None = None) -> None:
    """Bring the schema to the newest revision; replicas starting together wait for each other."""
    with _migration_lock(engine, lock_dir):
        command.upgrade(alembic_config(engine), "head")


@contextmanager
def _migration_lock(engine: Engine, lock_dir: Path | None):
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": ADVISORY_LOCK_ID})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": ADVISORY_LOCK_ID})
                connection.commit()
        return
    database_file = Path(engine.url.database or "")
    lock_path = (lock_dir or database_file.parent) / ".migrate.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    # filelock: flock on POSIX, msvcrt's locking on Windows; released by the OS if this process dies holding it.
    with FileLock(lock_path):
        yield
