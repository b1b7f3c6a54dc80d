"""Fixtures for the queue's own tests: a database, a paying user with a project, generations queued the real way."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest

from avatar_creator.auth.models import User
from avatar_creator.credits import service as credits_service
from avatar_creator.db import Database
from avatar_creator.events import EventSink
from avatar_creator.generation import lifecycle
from avatar_creator.generation.runner import GenerationJobs
from avatar_creator.generation.schemas import GenerateIn
from avatar_creator.jobs import queue
from avatar_creator.jobs.doorbell import LocalDoorbell
from avatar_creator.projects.models import Project
from avatar_creator.storage import LocalStorage
from tests.support.settings import make_settings


@dataclass
class Owner:
    user_id: str
    project_id: str


@pytest.fixture
def settings(tmp_path, database_url):
    return make_settings(tmp_path, database_url, lease_seconds=5, retry_base_seconds=0.05)


@pytest.fixture
def database(database_url):
    database = Database(database_url, pool_size=20)
    yield database
    database.dispose()


@pytest.fixture
def signals():
    return queue.Signals(doorbell=LocalDoorbell(), events=EventSink())


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "files")


@pytest.fixture
def handler(storage, signals):
    """The generation lifecycle as the worker pool and the reaper get it (no provider: no job runs here)."""
    return GenerationJobs(providers={}, storage=storage, signals=signals)


@pytest.fixture
def owner(database) -> Owner:
    return new_owner(database)


@pytest.fixture
def another_owner(database) -> Owner:
    return new_owner(database)


def new_owner(database) -> Owner:
    """A user with 10,000 credits and a project."""
    with database.session() as session:
        user = User(email=f"{secrets.token_hex(4)}@example.com", password_hash="x", credit_balance=0,
                    storage_used=0, storage_quota=10**9)
        session.add(user)
        session.flush()
        credits_service.grant(session=session, user_id=user.id, amount=10_000, description="test credits")
        project = Project(user_id=user.id, name="Jobs")
        session.add(project)
        session.flush()
        return Owner(user.id, project.id)


@pytest.fixture
def enqueue(database, settings, owner, signals):
    """Queue ``count`` generations as the API does (rows, debit, doorbell), for ``owner`` unless ``by`` another;
    returns their ids."""

    def enqueue(count: int = 1, *, by: Owner = owner, **body) -> list[str]:
        request = GenerateIn(name="Job", prompt="a plain test portrait", width=256, height=256, count=count, **body)
        with database.session() as session:
            batch = lifecycle.create(session=session, settings=settings, provider_names={"offline"},
                                     user_id=by.user_id, project_id=by.project_id, body=request,
                                     idempotency_key=None, signals=signals)
            return [generation.id for generation in batch.generations]

    return enqueue
