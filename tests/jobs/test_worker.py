"""Worker threads against a scripted provider: retries with backoff, failures with their codes, refunds exactly once,
a clean shutdown that gives running jobs back, and a dead process's jobs reclaimed at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import insert, select

from avatar_creator.db import db_now
from avatar_creator.generation import lifecycle
from avatar_creator.generation.models import Generation
from avatar_creator.jobs import liveness, queue
from avatar_creator.jobs.models import WorkerProcess
from avatar_creator.jobs.reaper import reap_once
from avatar_creator.providers.base import PROVIDER_REFUSED, PROVIDER_UNAVAILABLE, ProviderError
from tests.support.factories import create_project, generate, register, wait_for_generations
from tests.support.jobs import ScriptedProvider, running_service

FAST_RETRIES = {"retry_base_seconds": 0.05, "workers": 1}


def run_one(tmp_path, database_url, provider, **overrides) -> tuple[dict, str]:
    with running_service(tmp_path, database_url, providers={"offline": provider},
                         **{**FAST_RETRIES, **overrides}) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        generation = generate(client, user["headers"], project["id"])["generation"]
        return wait_for_generations(client, user["headers"], [generation["id"]])[0], user["user"]["id"]


def test_a_transient_error_is_retried_after_its_retry_after_and_then_succeeds(tmp_path, database_url, ledger):
    provider = ScriptedProvider([ProviderError(PROVIDER_UNAVAILABLE, "loading", retryable=True, retry_after=0.6)])
    done, user_id = run_one(tmp_path, database_url, provider)
    assert (done["status"], done["attempt"], done["errorCode"], done["creditRefunded"]) == ("completed", 2, None, 0)
    assert len(provider.requests) == 2
    assert provider.requests[0].seed == provider.requests[1].seed
    ledger.assert_exact(user_id)


def test_retry_after_holds_the_job_back(tmp_path, database_url):
    provider = ScriptedProvider([ProviderError(PROVIDER_UNAVAILABLE, "busy", retryable=True, retry_after=0.6)])
    started = time.monotonic()
    run_one(tmp_path, database_url, provider)
    assert time.monotonic() - started >= 0.6


def test_a_refusal_fails_at_once_with_its_code_and_refunds(tmp_path, database_url, ledger):
    provider = ScriptedProvider([ProviderError(PROVIDER_REFUSED, "The prompt was refused.")])
    done, user_id = run_one(tmp_path, database_url, provider)
    assert (done["status"], done["attempt"], done["errorCode"]) == ("failed", 1, PROVIDER_REFUSED)
    assert done["errorMessage"] == "The prompt was refused." and done["creditRefunded"] == 10
    ledger.assert_exact(user_id)


def test_transient_errors_on_every_attempt_fail_with_the_last_code_refunded_once(tmp_path, database_url, ledger):
    errors = [ProviderError(PROVIDER_UNAVAILABLE, f"503 #{n}", retryable=True) for n in range(3)]
    provider = ScriptedProvider(errors)
    done, user_id = run_one(tmp_path, database_url, provider, max_attempts=3)
    assert (done["status"], done["attempt"], done["errorCode"]) == ("failed", 3, PROVIDER_UNAVAILABLE)
    assert done["errorMessage"] == "503 #2" and len(provider.requests) == 3
    assert ledger.refunds(done["id"]) == [10]
    ledger.assert_exact(user_id)


def test_an_unexpected_exception_is_internal_and_retried(tmp_path, database_url, ledger):
    provider = ScriptedProvider([RuntimeError("bug"), RuntimeError("bug")])
    done, user_id = run_one(tmp_path, database_url, provider, max_attempts=2)
    assert (done["status"], done["errorCode"], done["attempt"]) == ("failed", "INTERNAL", 2)
    assert "RuntimeError" in done["errorMessage"]
    ledger.assert_exact(user_id)


def test_a_provider_this_worker_lacks_fails_with_configuration(tmp_path, database_url, ledger):
    elsewhere = {"offline": ScriptedProvider(), "diffusers": ScriptedProvider()}
    with running_service(tmp_path, database_url, providers=elsewhere) as api_only:  # an API host that has it
        user = register(api_only)
        project = create_project(api_only, user["headers"])
        generation = generate(api_only, user["headers"], project["id"], provider="diffusers")["generation"]
    with running_service(tmp_path, database_url, workers=1) as client:  # a worker that does not
        done = wait_for_generations(client, user["headers"], [generation["id"]])[0]
    assert (done["status"], done["errorCode"], done["attempt"]) == ("failed", "CONFIGURATION", 1)
    assert "diffusers" in done["errorMessage"]
    ledger.assert_exact(user["user"]["id"])


def test_shutdown_gives_a_running_job_back_without_counting_the_attempt(tmp_path, database_url, ledger):
    with running_service(tmp_path, database_url, workers=1, offline_step_delay_ms=200) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        generation = generate(client, user["headers"], project["id"])["generation"]
        wait_for_generations(client, user["headers"], [generation["id"]], statuses=("processing",))
        worker_id = client.app.state.jobs.pool.worker_id
    given_back = next(g for g in ledger.generations(user["user"]["id"]))
    assert (given_back.status, given_back.attempt, given_back.worker_id) == ("pending", 0, None)
    with ledger.database.session(write=False) as session:
        assert session.get(WorkerProcess, worker_id) is None
    ledger.assert_exact(user["user"]["id"])


@pytest.fixture
def doomed_process():
    """A process on this host that a test can kill, standing in for a worker process."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def register_worker(database, worker_id: str, pid: int) -> None:
    with database.session() as session:
        session.execute(insert(WorkerProcess).values(
            id=worker_id, hostname="here", host_key=liveness.host_key(), pid=pid,
            pid_started=liveness.process_started(pid), concurrency=1, started_at=db_now(), heartbeat_at=db_now()))


def test_a_dead_local_worker_s_job_is_reclaimed_before_its_lease_runs_out(database, settings, handler, enqueue,
                                                                          doomed_process):
    alive_id, dead_id = enqueue(2)
    register_worker(database, "alive", os.getpid())
    register_worker(database, "doomed", doomed_process.pid)
    for worker_id in ("alive", "doomed"):
        lifecycle.JOBS.claim(database=database, worker_id=worker_id, lease_seconds=600)
    backoff = queue.Backoff(base_seconds=0, max_seconds=0)
    assert reap_once(database=database, settings=settings, handler=handler, backoff=backoff).recovered == 0

    started = liveness.process_started(doomed_process.pid)
    doomed_process.kill()  # never reaped by its parent during the test: a zombie counts as dead
    deadline = time.monotonic() + 5
    while not liveness.is_dead(doomed_process.pid, started) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert reap_once(database=database, settings=settings, handler=handler, backoff=backoff).recovered == 1
    with database.session(write=False) as session:
        statuses = dict(session.execute(select(Generation.worker_id, Generation.status)
                                        .where(Generation.id.in_([alive_id, dead_id]))).all())
        assert statuses == {"alive": "processing", None: "pending"}
        assert set(session.scalars(select(WorkerProcess.id))) == {"alive"}


def test_no_worker_waits_while_a_worker_is_alive(database, settings, handler, enqueue):
    generation_id = enqueue()[0]
    register_worker(database, "alive", os.getpid())
    settings = settings.model_copy(update={"max_queue_wait": 0.01})
    time.sleep(0.05)
    backoff = queue.Backoff(base_seconds=0, max_seconds=0)
    assert reap_once(database=database, settings=settings, handler=handler, backoff=backoff).unclaimed == 0
    with database.session() as session:
        session.execute(WorkerProcess.__table__.delete())
    assert reap_once(database=database, settings=settings, handler=handler, backoff=backoff).unclaimed == 1
    with database.session(write=False) as session:
        assert session.get(Generation, generation_id).error_code == "NO_WORKER"
