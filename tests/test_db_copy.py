"""``avatar-creator db copy``: an embedded SQLite database with every kind of row moves into an empty, migrated
PostgreSQL, and a ``serve`` on PostgreSQL (same data folder) shows every user the same projects, balances and files."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys

import httpx
import pytest
from sqlalchemy import func, select

from avatar_creator.db import make_engine
from avatar_creator.db_copy import tables
from avatar_creator.generation.lifecycle import JOBS
from avatar_creator.providers.base import PROVIDER_REFUSED, ProviderError
from tests.support.factories import GENERATE_BODY, create_project, generate, register, wait_for_generations
from tests.support.jobs import ScriptedProvider, running_service
from tests.support.processes import free_port, serve, service_env, wait_until_serving
from tests.support.settings import TEST_SECRET, unavailable
from tests.support.uploads import create_avatar

API = "/api/apps/avatar-creator"
STATES = {"pending", "processing", "completed", "failed", "cancelled"}


@pytest.fixture
def target_url(postgres_server):
    """An empty PostgreSQL database, migrated (cloned from the migrated template)."""
    if isinstance(postgres_server, Exception):
        unavailable("postgres", str(postgres_server).splitlines()[0])
    name = postgres_server.create()
    yield postgres_server.url_for(name)
    postgres_server.drop(name)


def build_source(tmp_path, source_url: str) -> list[dict]:
    """Two users with projects, an uploaded and generated avatars, generations in every state, ledger rows and
    events; returns the users (with their bearer headers)."""
    refusing = ScriptedProvider([ProviderError(PROVIDER_REFUSED, "refused")])
    with running_service(tmp_path, source_url, workers=1, providers={"offline": refusing}) as client:
        alice, bob = register(client, name="Alice"), register(client, name="Bob")
        portraits = create_project(client, alice["headers"], name="Portraits")
        create_avatar(client, alice, portraits["id"], name="Uploaded")
        failed = generate(client, alice["headers"], portraits["id"])["generations"][0]["id"]
        wait_for_generations(client, alice["headers"], [failed])
        done = generate(client, alice["headers"], portraits["id"], count=2)["generations"]
        wait_for_generations(client, alice["headers"], [generation["id"] for generation in done])
        team = create_project(client, bob["headers"], name="Team")
        done = generate(client, bob["headers"], team["id"], name="Bo")["generations"][0]["id"]
        wait_for_generations(client, bob["headers"], [done])
    with running_service(tmp_path, source_url, workers=0) as client:
        claimed = generate(client, alice["headers"], portraits["id"], name="Claimed")["generations"][0]["id"]
        database = client.app.state.database
        assert JOBS.claim(database=database, worker_id="a-worker-on-the-old-host", lease_seconds=3600).id == claimed
        cancelled = generate(client, bob["headers"], team["id"], name="Gone")["generations"][0]["id"]
        assert client.post(f"{API}/generations/{cancelled}/cancel", headers=bob["headers"]).status_code == 200
        generate(client, bob["headers"], team["id"], name="Waiting")
    return [alice, bob]


def seen_by(client, user: dict) -> dict:
    """What the API shows a user: profile and balance, ledger, projects, avatars, generations and file bytes."""
    headers = user["headers"]

    def get(path: str, **params) -> dict:
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    avatars = get(f"{API}/avatars", limit=100)["avatars"]
    files = {}
    for avatar in avatars:
        for kind in ("baseImageUrl", "thumbnailUrl"):
            response = client.get(avatar.pop(kind))  # signed URLs: the bytes must match, not the signature
            assert response.status_code == 200
            files[f"{avatar['id']}:{kind}"] = hashlib.sha256(response.content).hexdigest()
    return {"me": get("/api/auth/me"), "history": get("/api/credits/history", limit=200),
            "projects": get(f"{API}/projects"), "avatars": avatars, "files": files,
            "generations": get(f"{API}/generations", limit=100)}


def rows(url: str) -> dict[str, list[tuple]]:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            return {table.name: [tuple(row) for row in connection.execute(
                select(table).order_by(*table.primary_key))] for table in tables()}
    finally:
        engine.dispose()


def db_copy(tmp_path, source_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AVATAR_DATA_DIR": str(tmp_path / "data"), "AVATAR_DATABASE_URL": source_url,
           "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "avatar_creator.cli", "db", "copy", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_sqlite_database_moves_into_postgresql_and_serve_shows_the_same(tmp_path, sqlite_template, target_url):
    source = tmp_path / "source.db"
    shutil.copy(sqlite_template, source)
    source_url = f"sqlite:///{source}"
    users = build_source(tmp_path, source_url)
    with running_service(tmp_path, source_url, workers=0) as client:
        before = [seen_by(client, user) for user in users]
    original = rows(source_url)

    copied = db_copy(tmp_path, source_url, "--to", target_url, "--batch-size", "2")
    assert copied.returncode == 0, copied.stdout + copied.stderr
    assert "Copied and verified" in copied.stdout and "2 users' balances equal" in copied.stdout
    for user, seen in zip(users, before, strict=True):
        assert f"{user['user']['email']}: {seen['me']['data']['user']['creditBalance']}" in copied.stdout
    assert rows(target_url) == original  # every table, row for row, ids and ledger included

    env = service_env(tmp_path / "data", target_url, secret_key=TEST_SECRET)
    port = free_port()
    process = serve(env, tmp_path, port, "--no-worker")
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", process)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            after = [seen_by(client, user) for user in users]  # the copied sessions still sign them in
            assert after == before
            assert {g["status"] for seen in after for g in seen["generations"]["generations"]} == STATES
            # New rows follow the copied ones: the events' sequence continues after the copied ids.
            alice = users[0]
            project_id = before[0]["projects"]["projects"][0]["id"]
            assert client.post(f"{API}/projects/{project_id}/avatars/generate", headers=alice["headers"],
                               json=GENERATE_BODY).status_code == 202
    finally:
        process.stop()
    engine = make_engine(target_url, pool_size=1)
    with engine.connect() as connection:
        events = tables()[[table.name for table in tables()].index("events")]
        assert connection.scalar(select(func.max(events.c.id))) > max(row[0] for row in original["events"])
    engine.dispose()


def test_a_target_that_is_not_empty_is_refused_and_left_alone(tmp_path, sqlite_template, target_url):
    source = tmp_path / "source.db"
    shutil.copy(sqlite_template, source)
    source_url = f"sqlite:///{source}"
    with running_service(tmp_path, source_url) as client:
        register(client)
    with running_service(tmp_path / "other", target_url) as client:
        register(client, email="already@example.com")
    before = rows(target_url)

    refused = db_copy(tmp_path, source_url, "--to", target_url)
    assert refused.returncode == 1
    assert "not empty" in refused.stdout and "users: 1" in refused.stdout and "Nothing was written" in refused.stdout
    assert rows(target_url) == before

    not_postgres = db_copy(tmp_path, source_url, "--to", f"sqlite:///{tmp_path / 'other.db'}")
    assert not_postgres.returncode == 2 and "PostgreSQL" in not_postgres.stdout
