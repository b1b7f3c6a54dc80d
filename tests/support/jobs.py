"""Helpers shared by the jobs and generation tests: an in-process service, the ledger as the database sees it, and a
scripted provider (a fake implementing the real interface).

A pytest plugin (registered in the root conftest): its ``ledger`` fixture is a ``Ledger`` on the test's database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from avatar_creator.app import create_app
from avatar_creator.auth.models import User
from avatar_creator.avatars.models import Avatar
from avatar_creator.credits.models import CreditTransaction
from avatar_creator.db import Database
from avatar_creator.generation.models import Generation
from avatar_creator.providers.base import (
    GenerationRequest,
    GenerationResult,
    Provider,
    ProviderCheck,
    ProviderError,
)
from avatar_creator.providers.offline import OfflineProvider
from tests.support.settings import make_settings


@contextmanager
def running_service(tmp_path: Path, database_url: str, *, providers: dict[str, Provider] | None = None,
                    **overrides) -> Iterator[TestClient]:
    """The app with its lifespan running (reaper, and worker threads when ``workers`` > 0)."""
    settings = make_settings(tmp_path, database_url, **overrides)
    with TestClient(create_app(settings, providers=providers)) as client:
        yield client


class Ledger:
    """The database's view of credits, generations and avatars, for assertions."""

    def __init__(self, database_url: str):
        self.database = Database(database_url, pool_size=2)

    def close(self) -> None:
        self.database.dispose()

    def balance(self, user_id: str) -> int:
        with self.database.session(write=False) as session:
            return session.scalar(select(User.credit_balance).where(User.id == user_id))

    def ledger_sum(self, user_id: str) -> int:
        with self.database.session(write=False) as session:
            return session.scalar(select(func.sum(CreditTransaction.amount))
                                  .where(CreditTransaction.user_id == user_id))

    def refunds(self, generation_id: str) -> list[int]:
        with self.database.session(write=False) as session:
            return list(session.scalars(select(CreditTransaction.amount).where(
                CreditTransaction.type == "refund", CreditTransaction.reference_type == "generation",
                CreditTransaction.reference_id == generation_id)))

    def avatars(self, user_id: str) -> list[Avatar]:
        with self.database.session(write=False) as session:
            return list(session.scalars(select(Avatar).where(Avatar.user_id == user_id)))

    def generations(self, user_id: str) -> list[Generation]:
        with self.database.session(write=False) as session:
            return list(session.scalars(select(Generation).where(Generation.user_id == user_id)))

    def assert_exact(self, user_id: str) -> None:
        """Every rule of the credits and jobs together: the ledger sums to the balance, each completed generation
        has exactly one avatar, each failed or cancelled one exactly one refund of its cost, nothing else refunded."""
        assert self.ledger_sum(user_id) == self.balance(user_id)
        avatars = {avatar.id for avatar in self.avatars(user_id)}
        generations = self.generations(user_id)
        completed = [generation for generation in generations if generation.status == "completed"]
        assert {generation.avatar_id for generation in completed} == avatars
        assert len(completed) == len(avatars)
        for generation in generations:
            expected = [generation.cost] if generation.status in ("failed", "cancelled") else []
            assert self.refunds(generation.id) == expected, (generation.id, generation.status)
            assert generation.refunded == sum(expected)


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    ledger = Ledger(database_url)
    yield ledger
    ledger.close()


class ScriptedProvider(Provider):
    """Raises the scripted errors in turn, then draws like the offline provider; records every request."""

    name = "offline"

    def __init__(self, errors: list[ProviderError] | None = None, *, step_delay_ms: int = 0):
        self.errors = list(errors or [])
        self.requests: list[GenerationRequest] = []
        self._drawer = OfflineProvider(step_delay_ms=step_delay_ms)
        self._lock = threading.Lock()

    def check(self) -> ProviderCheck:
        return ProviderCheck(ok=True, detail="scripted")

    def generate(self, request, *, on_progress, should_cancel) -> GenerationResult:
        with self._lock:
            self.requests.append(request)
            error = self.errors.pop(0) if self.errors else None
        if error is not None:
            raise error
        return self._drawer.generate(request, on_progress=on_progress, should_cancel=should_cancel)
