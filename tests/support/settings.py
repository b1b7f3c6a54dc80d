"""Settings for a test, and skip-or-require for the outside services (PostgreSQL, Redis, the browser)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from avatar_creator.settings import Settings

REQUIRED = {item.strip() for item in os.environ.get("AVATAR_TEST_REQUIRE", "").split(",") if item.strip()}
TEST_SECRET = "test-secret-" + "x" * 40


def unavailable(service: str, reason: str) -> None:
    """Skip, or fail when AVATAR_TEST_REQUIRE says the service must be there."""
    if service in REQUIRED:
        pytest.fail(f"{service} is required (AVATAR_TEST_REQUIRE) but unavailable: {reason}")
    pytest.skip(f"{service} unavailable: {reason}")


def make_settings(tmp_path: Path, database_url: str, **overrides) -> Settings:
    """Settings for a test: its own data folder and database, cheap password hashing, no rate limits, no workers."""
    values = dict(data_dir=tmp_path / "data", database_url=database_url, secret_key=TEST_SECRET,
                  rate_limits="off", argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1, workers=0)
    values.update(overrides)
    return Settings(_env_file=None, **values)
