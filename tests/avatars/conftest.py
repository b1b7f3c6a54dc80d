"""Fixtures for the avatars tests: a user with a project, and the folder their files land in."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.factories import create_project, register


@pytest.fixture
def files_dir(settings) -> Path:
    return settings.files_dir


@pytest.fixture
def user(client) -> dict:
    return register(client)


@pytest.fixture
def project(client, user) -> dict:
    return create_project(client, user["headers"])
