"""A real ``avatar-creator worker`` process imports only what it uses: no web framework, templates or web app ever,
no provider (nor OpenCV, numpy, CairoSVG) while idle, and after offline jobs nothing of the other providers."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from avatar_creator.jobs.models import WorkerProcess
from tests.support.factories import create_project, generate, register, wait_for_generations
from tests.support.jobs import Ledger, running_service
from tests.support.processes import service_env

# The worker's own entry point, run as `avatar-creator worker`; on SIGUSR1 it writes the names of its loaded modules.
ENTRY = """
import json, signal, sys
from avatar_creator import cli

path = sys.argv[1]

def dump(*_):
    with open(path, "w") as file:
        json.dump(sorted(sys.modules), file)

signal.signal(signal.SIGUSR1, dump)
sys.argv = ["avatar-creator", "worker", "--concurrency", "2"]
cli.main()
"""
NEVER = ("fastapi", "starlette", "jinja2", "avatar_creator.app", "avatar_creator.web", "diffusers", "torch")
IDLE_NEVER = (*NEVER, "cv2", "numpy", "cairosvg", "huggingface_hub", "avatar_creator.providers.offline",
              "avatar_creator.providers.huggingface", "avatar_creator.providers.diffusers")
OFFLINE_NEVER = (*NEVER, "huggingface_hub", "avatar_creator.providers.huggingface",
                 "avatar_creator.providers.diffusers")

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def loaded_modules(tmp_path: Path, env: dict[str, str], database_url: str, *, then=None) -> set[str]:
    """Start a worker, wait until it has registered (and ``then()`` has returned), and read its ``sys.modules``."""
    modules = tmp_path / "modules.json"
    with open(tmp_path / "worker.log", "ab") as log:
        process = subprocess.Popen([sys.executable, "-c", ENTRY, str(modules)], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    ledger = Ledger(database_url)
    try:
        deadline = time.monotonic() + 60
        while not _registered(ledger, process.pid):
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.05)
        if then is not None:
            then()
        process.send_signal(signal.SIGUSR1)
        while not modules.exists() or not modules.read_text():
            assert time.monotonic() < deadline, "the worker did not write its modules"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, (tmp_path / "worker.log").read_text()
        return set(json.loads(modules.read_text()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        ledger.close()


def _registered(ledger: Ledger, pid: int) -> bool:
    with ledger.database.session(write=False) as session:
        return session.scalar(select(WorkerProcess.id).where(WorkerProcess.pid == pid)) is not None


@pytest.mark.parametrize("provider", ["offline", "huggingface"])
def test_an_idle_worker_loads_no_provider_no_image_library_and_no_web_app(tmp_path, database_url, provider):
    env = service_env(tmp_path / "data", database_url, provider=provider, hf_token="hf_test")
    modules = loaded_modules(tmp_path, env, database_url)
    assert "avatar_creator.generation.runner" in modules  # it is a worker, ready for jobs
    assert sorted(name for name in IDLE_NEVER if name in modules) == []


def test_a_worker_that_ran_offline_jobs_loaded_the_renderer_and_none_of_the_other_providers(tmp_path, database_url):
    env = service_env(tmp_path / "data", database_url)

    def run_offline_jobs() -> None:
        with running_service(tmp_path, database_url) as client:  # the API, in this process, with no workers
            user = register(client)
            project = create_project(client, user["headers"])
            ids = [generate(client, user["headers"], project["id"])["generation"]["id"] for _ in range(3)]
            wait_for_generations(client, user["headers"], ids, statuses=("completed",))

    modules = loaded_modules(tmp_path, env, database_url, then=run_offline_jobs)
    assert {"avatar_creator.providers.offline", "cv2"} <= modules
    assert sorted(name for name in OFFLINE_NEVER if name in modules) == []
