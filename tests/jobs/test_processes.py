"""Real service processes: a clean start, `serve --no-worker`, and crash tests where workers (or the embedded server)
are SIGKILLed mid-job and restarted while every generation still ends exactly once, paid exactly once, its killed
attempts running again within seconds."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from avatar_creator.generation.models import Generation
from avatar_creator.jobs.models import WorkerProcess
from tests.support.factories import create_project, generate, get_generation, register, wait_for_generations
from tests.support.jobs import Ledger, running_service
from tests.support.processes import ServiceProcess, free_port, serve, service_env, wait_until_serving

pytestmark = [pytest.mark.slow, pytest.mark.serial]

API = "/api/apps/avatar-creator"
JOBS = 60
# The 5 s recovery target is measured by bench/queue.py. Here the bound only has to prove that a dead worker is
# detected (its PID is gone) rather than waited out: the lease alone would take 10 s, plus backoff.
RECOVERY_LIMIT_S = 8.0


@dataclass
class Deployment:
    base_url: str
    ledger: Ledger
    headers: dict
    user_id: str
    project_id: str


def sign_up(base_url: str) -> tuple[dict, str, str]:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        reply = http.post("/api/auth/register", json={"email": "crash@example.com", "password": "p" * 12})
        data = reply.json()["data"]
        headers = {"Authorization": f"Bearer {data['token']}"}
        project = http.post(f"{API}/projects", json={"name": "Crash"}, headers=headers).json()["project"]
        return headers, data["user"]["id"], project["id"]


def queue_jobs(deployment: Deployment, count: int) -> list[str]:
    ids = []
    with httpx.Client(base_url=deployment.base_url, timeout=30) as http:
        while len(ids) < count:
            reply = http.post(f"{API}/projects/{deployment.project_id}/avatars/generate", headers=deployment.headers,
                              json={"name": "Crash", "prompt": "a crash test dummy portrait", "width": 256,
                                    "height": 256, "count": min(4, count - len(ids))})
            assert reply.status_code == 202, reply.text
            ids += [generation["id"] for generation in reply.json()["generations"]]
    return ids


def held_by(ledger: Ledger, worker_ids: set[str]) -> dict[str, int]:
    """The jobs these (dead) workers were running, with the attempt each was on."""
    with ledger.database.session(write=False) as session:
        return dict(session.execute(select(Generation.id, Generation.attempt).where(
            Generation.status == "processing", Generation.worker_id.in_(worker_ids))).all())


def worker_ids_of(ledger: Ledger, pid: int) -> set[str]:
    with ledger.database.session(write=False) as session:
        return set(session.scalars(select(WorkerProcess.id).where(WorkerProcess.pid == pid)))


def times_to_rerun(ledger: Ledger, killed: dict[str, int], since: float, timeout: float = 30) -> dict[str, float]:
    """Seconds from ``since`` until each killed job was claimed again under a later attempt."""
    waiting = dict(killed)
    rerun: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        with ledger.database.session(write=False) as session:
            rows = session.execute(select(Generation.id, Generation.status, Generation.attempt)
                                   .where(Generation.id.in_(waiting))).all()
        for generation_id, status, attempt in rows:
            if status != "pending" and attempt > waiting[generation_id]:
                rerun[generation_id] = time.monotonic() - since
                del waiting[generation_id]
        time.sleep(0.02)
    assert not waiting, f"killed jobs never ran again: {waiting}"
    return rerun


def assert_prompt_reruns(killed: dict[str, int], rerun: dict[str, float]) -> None:
    """A job killed on its first attempt runs again well before its lease would expire. One killed again waits out a
    longer backoff (2 s × 2^(n−1), +20 % jitter, before the n-th retry), and then runs within the same ~2.6 s of
    detection and pickup."""
    for generation_id, attempt in killed.items():
        longest_backoff = 2.0 * 2 ** (attempt - 1) * 1.2
        assert rerun[generation_id] <= longest_backoff + RECOVERY_LIMIT_S - 2.4, (attempt, rerun[generation_id])


def wait_all_terminal(ledger: Ledger, user_id: str, timeout: float = 90) -> list[Generation]:
    deadline = time.monotonic() + timeout
    while True:
        generations = ledger.generations(user_id)
        if all(g.status in ("completed", "failed", "cancelled") for g in generations):
            return generations
        assert time.monotonic() < deadline, [(g.status, g.attempt) for g in generations if g.status in
                                             ("pending", "processing")]
        time.sleep(0.1)


def cancel_some(deployment: Deployment, ids: list[str], count: int) -> None:
    with httpx.Client(base_url=deployment.base_url, timeout=30) as http:
        for generation_id in random.sample(ids, count):
            status = http.post(f"{API}/generations/{generation_id}/cancel", headers=deployment.headers).status_code
            assert status in (200, 409)  # 409: it finished first


def assert_everything_accounted_for(deployment: Deployment, ids: list[str], files_dir) -> None:
    generations = wait_all_terminal(deployment.ledger, deployment.user_id)
    assert sorted(g.id for g in generations) == sorted(ids)
    deployment.ledger.assert_exact(deployment.user_id)
    for avatar in deployment.ledger.avatars(deployment.user_id):
        assert (files_dir / avatar.storage_key).is_file() and (files_dir / avatar.thumbnail_key).is_file()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_sigkilled_workers_on_postgres_and_redis(tmp_path, database_url, redis_url, redis_prefix):
    env = service_env(tmp_path / "data", database_url, redis_url=redis_url, redis_prefix=redis_prefix,
                      offline_step_delay_ms=250, max_attempts=10, welcome_bonus=1000)
    port = free_port()
    api = serve(env, tmp_path, port, "--no-worker")
    workers = [ServiceProcess(["worker", "--concurrency", "2"], env, tmp_path / f"worker-{n}.log").start()
               for n in range(2)]
    ledger = Ledger(database_url)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_serving(base_url, api)
        deployment = Deployment(base_url, ledger, *sign_up(base_url))
        ids = queue_jobs(deployment, JOBS)
        recoveries = []
        for round_number in range(4):
            time.sleep(random.uniform(1.0, 2.0))
            victim = random.randrange(len(workers))
            dead_ids = worker_ids_of(ledger, workers[victim].pid)
            workers[victim].kill()
            killed_at = time.monotonic()
            killed = held_by(ledger, dead_ids)
            workers[victim] = ServiceProcess(["worker", "--concurrency", "2"], env,
                                             tmp_path / f"worker-{victim}.log").start()
            if killed:
                rerun = times_to_rerun(ledger, killed, killed_at)
                assert_prompt_reruns(killed, rerun)
                recoveries += [rerun[job] for job, attempt in killed.items() if attempt == 1]
            if round_number == 1:
                cancel_some(deployment, ids, 3)
        assert recoveries, "no kill landed on a job's first attempt"
        print(f"first-attempt reruns after SIGKILL (s): {sorted(round(r, 2) for r in recoveries)}")
        assert_everything_accounted_for(deployment, ids, tmp_path / "data" / "files")
        assert sum(g.attempt > 1 for g in ledger.generations(deployment.user_id)) >= len(recoveries)
        for worker in workers:  # SIGTERM: a clean stop within the grace period
            assert worker.terminate() == 0, worker.log_tail()
    except BaseException:
        for process in (api, *workers):
            print(f"--- {process.log_path.name}\n{process.log_tail()}")
        raise
    finally:
        for process in (api, *workers):
            process.stop()
        ledger.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sigkilled_embedded_server_on_sqlite(tmp_path, database_url):
    env = service_env(tmp_path / "data", database_url, offline_step_delay_ms=100, max_attempts=10,
                      welcome_bonus=1000)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = serve(env, tmp_path, port, "--workers", "2")
    ledger = Ledger(database_url)
    try:
        wait_until_serving(base_url, server)
        deployment = Deployment(base_url, ledger, *sign_up(base_url))
        ids = queue_jobs(deployment, JOBS)
        recoveries = []
        for round_number in range(3):
            time.sleep(random.uniform(1.0, 2.0))
            dead_ids = worker_ids_of(ledger, server.pid)
            server.kill()
            killed = held_by(ledger, dead_ids)
            server = serve(env, tmp_path, port, "--workers", "2")
            back_at = wait_until_serving(base_url, server)
            if killed:
                rerun = times_to_rerun(ledger, killed, back_at)
                assert_prompt_reruns(killed, rerun)
                recoveries += [rerun[job] for job, attempt in killed.items() if attempt == 1]
            if round_number == 0:
                cancel_some(deployment, ids, 3)
        assert recoveries, "no kill landed on a job's first attempt"
        print(f"first-attempt reruns after SIGKILL (s): {sorted(round(r, 2) for r in recoveries)}")
        assert_everything_accounted_for(deployment, ids, tmp_path / "data" / "files")
        # uvicorn re-raises SIGTERM after its graceful shutdown; that shutdown ran the lifespan, which unregistered
        # the worker threads
        assert server.terminate() in (0, -signal.SIGTERM), server.log_tail()
        assert worker_ids_of(ledger, server.pid) == set()
    except BaseException:
        print(f"--- {server.log_path.name}\n{server.log_tail()}")
        raise
    finally:
        server.stop()
        ledger.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_worker_process_on_the_same_sqlite_file_stops_cleanly_on_sigterm(tmp_path, database_url):
    env = service_env(tmp_path / "data", database_url, offline_step_delay_ms=300)
    worker = ServiceProcess(["worker", "--concurrency", "1"], env, tmp_path / "worker.log").start()
    ledger = Ledger(database_url)
    try:
        with running_service(tmp_path, database_url) as client:  # the API, in this process, with no workers
            user = register(client)
            project = create_project(client, user["headers"])
            generation = generate(client, user["headers"], project["id"])["generation"]
            running = wait_for_generations(client, user["headers"], [generation["id"]], statuses=("processing",))
            assert running[0]["attempt"] == 1
            assert worker.terminate() == 0, worker.log_tail()
            given_back = get_generation(client, user["headers"], generation["id"])
        assert (given_back["status"], given_back["attempt"], given_back["progress"]) == ("pending", 0, 0)
        assert worker_ids_of(ledger, worker.pid) == set()
        ledger.assert_exact(user["user"]["id"])
    finally:
        worker.stop()
        ledger.close()


def test_a_clean_start_with_default_settings_generates_two_avatars(tmp_path):
    env = service_env(tmp_path / "data", "")  # no database URL: the SQLite file in the data folder
    del env["AVATAR_DATABASE_URL"]
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = serve(env, tmp_path, port)
    ledger = None
    try:
        wait_until_serving(base_url, server)
        headers, user_id, project_id = sign_up(base_url)
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as http:
            reply = http.post(f"{API}/projects/{project_id}/avatars/generate",
                              json={"name": "Ada", "prompt": "a friendly astronaut", "count": 2}).json()
            ids = [g["id"] for g in reply["generations"]]
            deadline = time.monotonic() + 30
            while {http.get(f"{API}/generations/{i}").json()["generation"]["status"] for i in ids} != {"completed"}:
                assert time.monotonic() < deadline, "the two generations did not complete"
                time.sleep(0.1)
            avatars = http.get(f"{API}/projects/{project_id}").json()["project"]["avatars"]
            seeds = [g["options"]["seed"] for g in reply["generations"]]
            assert sorted(a["seedUsed"] for a in avatars) == sorted(seeds)
        ledger = Ledger(f"sqlite:///{tmp_path / 'data' / 'avatar-creator.db'}")
        ledger.assert_exact(user_id)
    finally:
        server.stop()
        if ledger is not None:
            ledger.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_without_workers_fails_waiting_jobs_with_no_worker(tmp_path, database_url):
    env = service_env(tmp_path / "data", database_url, max_queue_wait=1)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = serve(env, tmp_path, port, "--no-worker")
    ledger = Ledger(database_url)
    try:
        wait_until_serving(base_url, server)
        headers, user_id, project_id = sign_up(base_url)
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as http:
            ready = http.get("/health/ready")
            assert ready.status_code == 200 and ready.json()["checks"]["worker"]["ok"] is False
            generation = http.post(f"{API}/projects/{project_id}/avatars/generate",
                                   json={"name": "Ada", "prompt": "a friendly astronaut"}).json()["generation"]
            deadline = time.monotonic() + 15
            while (state := http.get(f"{API}/generations/{generation['id']}").json()["generation"])["status"] in (
                    "pending", "processing"):
                assert time.monotonic() < deadline, "the generation never failed"
                time.sleep(0.1)
            assert (state["status"], state["errorCode"], state["creditRefunded"]) == ("failed", "NO_WORKER", 10)
        doctor = subprocess.run([sys.executable, "-m", "avatar_creator.cli", "doctor"], env=env, capture_output=True,
                                text=True, timeout=60)
        assert doctor.returncode == 0, doctor.stdout  # reported, not gating
        assert "worker" in doctor.stdout and "no worker heartbeat" in doctor.stdout
        ledger.assert_exact(user_id)
    finally:
        server.stop()
        ledger.close()
