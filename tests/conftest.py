"""Test fixtures: every test gets its own database (SQLite and PostgreSQL) and its own Redis key prefix.

PostgreSQL and Redis are real servers, found at AVATAR_TEST_DATABASE_URL / AVATAR_TEST_REDIS_URL (defaults: the
project machines' 127.0.0.1 servers). Without them those tests skip with a reason, unless AVATAR_TEST_REQUIRE names
them (CI sets postgres,redis), in which case they fail.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from avatar_creator.app import create_app
from avatar_creator.db import make_engine
from avatar_creator.migrations import upgrade
from avatar_creator.settings import Settings
from tests.support.settings import make_settings, unavailable

POSTGRES_ADMIN_URL = os.environ.get("AVATAR_TEST_DATABASE_URL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("AVATAR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_ID = secrets.token_hex(4)

# Fixtures shared across folders, from plain helper modules.
pytest_plugins = ["tests.support.huggingface", "tests.support.jobs", "tests.support.s3"]


class PostgresServer:
    """Creates databases from a migrated template, one per test, and drops them."""

    def __init__(self, admin_url: str):
        import psycopg
        from sqlalchemy.engine import make_url

        self._url = make_url(admin_url)
        self._conn = psycopg.connect(self._url.set(drivername="postgresql").render_as_string(hide_password=False),
                                     autocommit=True, connect_timeout=3)
        self.template = f"avatar_tpl_{RUN_ID}"
        self._conn.execute(f'CREATE DATABASE "{self.template}"')
        engine = make_engine(self.url_for(self.template), pool_size=1)
        upgrade(engine)
        engine.dispose()

    def url_for(self, name: str) -> str:
        return self._url.set(database=name).render_as_string(hide_password=False)

    def create(self) -> str:
        name = f"avatar_t_{RUN_ID}_{secrets.token_hex(4)}"
        self._conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def drop(self, name: str) -> None:
        self._conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self.drop(self.template)
        self._conn.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | None]:
    try:
        server = PostgresServer(POSTGRES_ADMIN_URL)
    except Exception as error:  # no server: tests that need it skip (or fail when required)
        yield error
        return
    yield server
    server.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}", pool_size=1)
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path, sqlite_template, postgres_server) -> Iterator[str]:
    """A fresh, migrated database for this test: a SQLite file, or a PostgreSQL database cloned from a template."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    if isinstance(postgres_server, Exception):
        unavailable("postgres", str(postgres_server).splitlines()[0])
    name = postgres_server.create()
    yield postgres_server.url_for(name)
    postgres_server.drop(name)


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The test Redis server; keys under this test's prefix are removed afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except Exception as error:
        unavailable("redis", f"{type(error).__name__}: {error}")
    yield REDIS_URL
    client.close()


@pytest.fixture
def redis_prefix(redis_url) -> Iterator[str]:
    import redis

    prefix = f"avatar_test_{RUN_ID}_{secrets.token_hex(4)}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def pytest_collection_modifyitems(items) -> None:
    """Long files first: `make test` hands each process a file at a time, and a long file left for the end would run
    alone while the other process sits idle. First the `slow` ones, then the browser walks, then the rest, each file's
    tests in their own order (the sort is stable)."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    browser_files = {item.path for item in items if "page" in item.fixturenames}
    items.sort(key=lambda item: 0 if item.path in slow_files else 1 if item.path in browser_files else 2)
