"""No transaction holds the queue hostage: while a worker's finish sits open holding its job's row and the user's row,
or anything holds a user's row, heartbeats, progress and the reaper go on without waiting; a refused charge leaves
nothing behind."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from avatar_creator.auth.models import User
from avatar_creator.errors import InsufficientCredits
from avatar_creator.generation import lifecycle
from avatar_creator.generation.models import Generation
from avatar_creator.generation.schemas import GenerateIn
from avatar_creator.imaging import thumbnail_of
from avatar_creator.jobs import queue
from avatar_creator.jobs.reaper import reap_once
from avatar_creator.providers.base import GenerationRequest
from avatar_creator.providers.offline import OfflineProvider

pytestmark = pytest.mark.serial

NEVER_WAIT = "SET LOCAL lock_timeout = '1s'"  # a statement that would wait on a row lock fails instead


@pytest.fixture
def postgres_only(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")


def claim(database, worker_id="w1", lease_seconds=60.0) -> queue.Attempt:
    generation = lifecycle.JOBS.claim(database=database, worker_id=worker_id, lease_seconds=lease_seconds)
    return queue.Attempt(generation.id, generation.attempt)


def open_finish(session, storage, signals, attempt) -> None:
    """``complete`` up to its commit: it now holds the job's row, the project and the user's row."""
    request = GenerationRequest(prompt="p", negative_prompt="", user_prompt="p", width=64, height=64, seed=3)
    result = OfflineProvider().generate(request, on_progress=lambda _: None, should_cancel=lambda: False)
    assert lifecycle.complete(session=session, attempt=attempt, storage=storage, result=result,
                              thumbnail=thumbnail_of(result.image), signals=signals) is not None


def test_heartbeats_and_progress_never_wait_behind_a_job_s_open_finish(postgres_only, database, storage, signals,
                                                                       enqueue):
    enqueue(2)
    finishing, running = claim(database), claim(database)
    with database.session() as held:
        open_finish(held, storage, signals, finishing)
        with database.session() as session:
            session.execute(text(NEVER_WAIT))
            kept = lifecycle.JOBS.extend_leases(session=session, worker_id="w1", attempts=[finishing, running],
                                                lease_seconds=120)
        assert kept == {finishing, running}  # the busy row is skipped, not taken for lost
        with database.session() as session:
            session.execute(text(NEVER_WAIT))
            assert lifecycle.save_progress(session=session, attempt=running, progress=40, signals=signals)
            assert lifecycle.save_progress(session=session, attempt=finishing, progress=90, signals=signals)
    with database.session(write=False) as session:
        rows = {row.id: row for row in session.scalars(select(Generation))}
    assert (rows[finishing.job_id].status, rows[finishing.job_id].progress) == ("completed", 100)
    assert rows[running.job_id].progress == 40
    assert rows[running.job_id].lease_until > rows[finishing.job_id].completed_at


def test_the_reaper_skips_a_lost_job_whose_row_is_held_and_takes_it_next_pass(postgres_only, database, settings,
                                                                              storage, signals, handler, enqueue,
                                                                              owner, ledger):
    enqueue()
    attempt = claim(database, lease_seconds=0.01)
    time.sleep(0.05)
    backoff = queue.Backoff(base_seconds=0, max_seconds=0)
    reports = []
    with database.session() as held:
        open_finish(held, storage, signals, attempt)
        reaper = threading.Thread(target=lambda: reports.append(
            reap_once(database=database, settings=settings, handler=handler, backoff=backoff)))
        started = time.monotonic()
        reaper.start()
        reaper.join(5)
        waited = time.monotonic() - started
        assert not reaper.is_alive(), "the reaper waited on a held row"
    assert waited < 2 and reports[0].recovered == 0 and reports[0].failed == 0
    with database.session(write=False) as session:
        assert session.get(Generation, attempt.job_id).status == "completed"
    ledger.assert_exact(owner.user_id)


def test_a_charge_refused_for_credits_leaves_no_rows_even_when_the_caller_goes_on(database, settings, signals, owner,
                                                                                  ledger):
    expensive = settings.model_copy(update={"cost_generate": 10**6})
    body = GenerateIn(name="Job", prompt="a plain test portrait", width=256, height=256, count=2)
    with database.session() as session:  # like the web form: the error is shown and the session still commits
        with pytest.raises(InsufficientCredits):
            lifecycle.create(session=session, settings=expensive, provider_names={"offline"}, user_id=owner.user_id,
                             project_id=owner.project_id, body=body, idempotency_key=None, signals=signals)
    assert ledger.generations(owner.user_id) == []
    ledger.assert_exact(owner.user_id)


def test_the_reaper_leaves_a_job_whose_user_row_is_held_and_goes_on_with_the_others(
        postgres_only, database, settings, handler, enqueue, owner, another_owner, ledger):
    held_user_s = enqueue()[0]
    bystander_s = enqueue(by=another_owner)[0]
    claim(database, lease_seconds=0.01), claim(database, lease_seconds=0.01)
    time.sleep(0.05)
    backoff = queue.Backoff(base_seconds=0, max_seconds=0)
    reports = []
    with database.session() as holder:  # as a stalled transaction (or psql) would
        holder.execute(select(User.id).where(User.id == owner.user_id).with_for_update())
        reaper = threading.Thread(target=lambda: reports.append(
            reap_once(database=database, settings=settings, handler=handler, backoff=backoff)))
        started = time.monotonic()
        reaper.start()
        reaper.join(5)
        waited = time.monotonic() - started
        assert not reaper.is_alive(), "the reaper waited on a held user row"
    assert reports[0].recovered == 1 and waited < 3
    with database.session(write=False) as session:
        assert session.get(Generation, bystander_s).status == "pending"
        assert session.get(Generation, held_user_s).status == "processing"
    assert reap_once(database=database, settings=settings, handler=handler, backoff=backoff).recovered == 1
    with database.session(write=False) as session:
        assert session.get(Generation, held_user_s).status == "pending"
    ledger.assert_exact(owner.user_id)
    ledger.assert_exact(another_owner.user_id)
