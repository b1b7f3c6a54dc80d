"""Fixtures for live events: the app on a real uvicorn server and an HTTP client to it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from avatar_creator.app import create_app
from tests.support.events import LiveServer
from tests.support.settings import make_settings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def serve(tmp_path, database_url) -> Iterator:
    """Start the app with settings ``overrides`` on a live server; stopped at the end of the test."""
    servers: list[LiveServer] = []

    def start(**overrides) -> LiveServer:
        servers.append(LiveServer(create_app(make_settings(tmp_path, database_url, **overrides))))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def live(serve) -> LiveServer:
    return serve()


@pytest.fixture
def http(live) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=10) as client:
        yield client
