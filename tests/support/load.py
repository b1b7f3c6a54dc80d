"""Load against real service processes, shared by the load tests and ``bench/burst.py``: a deployment (``serve`` on
SQLite, or ``serve --no-worker`` and ``worker`` processes on PostgreSQL and Redis), a burst of requests arriving at
the same instant from one asyncio client, another user's requests timed meanwhile, a user's row held locked."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from tests.support.catalog import drawn_presets
from tests.support.processes import ServiceProcess, free_port, serve, service_env, wait_until_serving

API = "/api/apps/avatar-creator"
PROJECTS = f"{API}/projects"
GENERATE_BODY = {"name": "Burst", "prompt": "a friendly test avatar", "width": 256, "height": 256, "count": 1}
ACCEPTED = {201, 202, 402}  # 402: out of credits, a correct answer to a burst of paid work
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Deployment:
    base_url: str
    processes: list[ServiceProcess]

    def logs(self) -> str:
        return "\n".join(f"--- {process.log_path.name}\n{process.log_tail(40)}" for process in self.processes)


@contextmanager
def deployment(data_dir: Path, database_url: str, *, redis_url: str | None = None, redis_prefix: str | None = None,
               worker_processes: int = 0, **settings) -> Iterator[Deployment]:
    """``serve`` with its own worker threads, or (``worker_processes`` > 0) ``serve --no-worker`` beside that many
    ``worker --concurrency 2`` processes; all started from this checkout and stopped at the end."""
    if redis_url:
        settings.update(redis_url=redis_url, redis_prefix=redis_prefix)
    values = {key: str(value) for key, value in settings.items()}
    env = _this_checkout_first(service_env(data_dir, database_url, **values))
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    processes = [serve(env, data_dir, port, *(("--no-worker",) if worker_processes else ()))]
    try:
        wait_until_serving(base_url, processes[0])
        drawn_presets(base_url)  # a start's own work done: what a test then times is its requests, not the start
        for index in range(worker_processes):
            processes.append(ServiceProcess(["worker", "--concurrency", "2"], env,
                                            data_dir / f"worker-{index}.log").start())
        yield Deployment(base_url, processes)
    finally:
        for process in processes:
            process.stop()


def _this_checkout_first(env: dict[str, str]) -> dict[str, str]:
    """A child's environment that imports this checkout's code, whichever copy the virtual environment points at."""
    return {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))}


@dataclass
class User:
    user_id: str
    token: str
    headers: dict
    project_id: str


def sign_up(base_url: str, email: str, *, password: str = "burst password 1") -> User:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        reply = http.post("/api/auth/register", json={"email": email, "password": password})
        assert reply.status_code == 201, reply.text
        data = reply.json()["data"]
        headers = {"Authorization": f"Bearer {data['token']}"}
        project = http.post(PROJECTS, json={"name": "Home"}, headers=headers)
        assert project.status_code == 201, project.text
        return User(data["user"]["id"], data["token"], headers, project.json()["project"]["id"])


@dataclass
class Answer:
    kind: str  # "create" or "generate"
    index: int
    status: int
    seconds: float  # round trip, as the client saw it
    server_seconds: float | None  # the server's own time (Server-Timing), without the client's or the network's
    retry_after: str | None
    body: dict


@dataclass
class BurstReport:
    answers: list[Answer]
    other_user: list[Answer] = field(default_factory=list)  # GET /api/auth/me by someone else, meanwhile

    def statuses(self, kind: str | None = None) -> dict[int, int]:
        counts: dict[int, int] = {}
        for answer in self.answers:
            if kind is None or answer.kind == kind:
                counts[answer.status] = counts.get(answer.status, 0) + 1
        return dict(sorted(counts.items()))

    def created_names(self) -> set[str]:
        return {a.body["project"]["name"] for a in self.answers if a.kind == "create" and a.status == 201}

    def generation_ids(self) -> set[str]:
        return {g["id"] for a in self.answers if a.kind == "generate" and a.status == 202
                for g in a.body["generations"]}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


async def _timed(client: httpx.AsyncClient, kind: str, index: int, method: str, url: str, **kwargs) -> Answer:
    started = time.perf_counter()
    response = await client.request(method, url, **kwargs)
    seconds = time.perf_counter() - started
    try:
        body = response.json()
    except ValueError:
        body = {"text": response.text[:200]}
    timing = response.headers.get("server-timing", "")
    server_seconds = float(timing.split("dur=")[1]) / 1000 if "dur=" in timing else None
    return Answer(kind, index, response.status_code, seconds, server_seconds, response.headers.get("retry-after"), body)


async def run_burst(base_url: str, burster: User, other: User, *, creates: int = 200, generates: int = 50,
                    prefix: str = "burst") -> BurstReport:
    """``creates`` project creations and ``generates`` generate requests from ``burster``, all sent at once from one
    asyncio client, while ``other`` asks ``GET /api/auth/me`` one request after another from another process."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    with bystander(base_url, other) as other_user:
        async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
            requests = [_timed(client, "create", index, "POST", PROJECTS, headers=burster.headers,
                               json={"name": f"{prefix}-{index}"}) for index in range(creates)]
            requests += [_timed(client, "generate", index, "POST",
                                f"{PROJECTS}/{burster.project_id}/avatars/generate", headers=burster.headers,
                                json=GENERATE_BODY) for index in range(generates)]
            random.Random(12).shuffle(requests)  # generates among the creates, not all at the back of the queue
            answers = await asyncio.gather(*requests)
    return BurstReport(list(answers), other_user)


@contextmanager
def bystander(base_url: str, user: User) -> Iterator[list[Answer]]:
    """``tests.support.bystander`` polling as ``user`` for as long as the block runs; the list fills when it ends."""
    process = subprocess.Popen([sys.executable, "-m", "tests.support.bystander", base_url, user.token],
                               env=_this_checkout_first(dict(os.environ)), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    answers: list[Answer] = []
    try:
        assert process.stdout.readline().strip() == "ready"
        yield answers
        time.sleep(0.1)
    finally:
        output, _ = process.communicate(input="", timeout=60)  # closes its stdin: it stops and reports
    answers += [Answer("me", index, item["status"], item["seconds"], None, item["retry_after"], {})
                for index, item in enumerate(json.loads(output))]


@contextmanager
def locked_user_row(database_url: str, user_id: str, *, mode: str = "UPDATE") -> Iterator[psycopg.Connection]:
    """``SELECT … FOR UPDATE`` (or ``FOR NO KEY UPDATE``) on one user's row in a connection of its own, held until the
    block ends: what a stalled transaction, or someone in psql, does to everyone who needs that row."""
    assert mode in ("UPDATE", "NO KEY UPDATE")
    with psycopg.connect(_libpq_url(database_url)) as connection:
        connection.execute(f"SELECT id FROM users WHERE id = %s FOR {mode}", (user_id,))
        try:
            yield connection
        finally:
            connection.rollback()


class Feeder:
    """Keeps ``backlog`` generations pending for each of ``users`` from a thread of its own, so the workers always have
    work and their completions per second measure their throughput."""

    def __init__(self, base_url: str, users: list[User], database_url: str, *, backlog: int = 8):
        self._base_url = base_url
        self._users = users
        self._backlog = backlog
        self._engine = create_engine(database_url, pool_size=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._feed, name="feeder", daemon=True)
        self.refused: list[int] = []  # statuses other than 202: the feeder's users must never be refused

    def __enter__(self) -> Feeder:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(30)
        self._engine.dispose()

    def _feed(self) -> None:
        ids = [user.user_id for user in self._users]
        with httpx.Client(base_url=self._base_url, timeout=30) as http:
            while not self._stop.is_set():
                with self._engine.connect() as connection:
                    pending = dict(connection.execute(
                        text("SELECT user_id, count(*) FROM generations WHERE status = 'pending' AND user_id IN "
                             "(SELECT unnest(CAST(:ids AS text[]))) GROUP BY user_id"), {"ids": ids}).all())
                for user in self._users:
                    if pending.get(user.user_id, 0) < self._backlog:
                        reply = http.post(f"{PROJECTS}/{user.project_id}/avatars/generate", headers=user.headers,
                                          json={**GENERATE_BODY, "count": 4})
                        if reply.status_code != 202:
                            self.refused.append(reply.status_code)
                self._stop.wait(0.2)


def completed(engine: Engine, user_ids: list[str]) -> int:
    """How many of these users' generations have completed."""
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM generations WHERE status = 'completed' AND user_id IN "
                 "(SELECT unnest(CAST(:ids AS text[])))"), {"ids": user_ids}).scalar_one()


def blocked_on(database_url: str, lock: psycopg.Connection) -> list[str]:
    """The statements now waiting for a lock that ``lock``'s connection holds (asked from a connection of its own:
    inside ``lock``'s transaction the activity view would stay as it was first read)."""
    with psycopg.connect(_libpq_url(database_url), autocommit=True) as observer:
        return [row[0] for row in observer.execute(
            "SELECT query FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", (lock.info.backend_pid,))]


def _libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
