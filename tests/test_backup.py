"""Backup and restore for real: ``avatar-creator backup`` while a ``serve`` process runs 10 generations, ``restore``
into an empty folder, the restored service served; corrupted archives fail ``restore --verify`` saying why."""

from __future__ import annotations

import gzip
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import httpx
import pytest

from avatar_creator import backup
from avatar_creator.db import Database
from tests.support.jobs import Ledger
from tests.support.load import API, sign_up
from tests.support.processes import free_port, serve, service_env, wait_until_serving
from tests.support.settings import make_settings

GENERATE = {"name": "Kept", "prompt": "a portrait worth keeping", "width": 256, "height": 256}


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "avatar_creator.cli", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def queue(base_url: str, user, count: int) -> list[str]:
    reply = httpx.post(f"{base_url}{API}/projects/{user.project_id}/avatars/generate", headers=user.headers,
                       json={**GENERATE, "count": count}, timeout=30)
    assert reply.status_code == 202, reply.text
    return [generation["id"] for generation in reply.json()["generations"]]


def wait_terminal(base_url: str, user, ids: list[str], timeout: float = 90) -> None:
    import time

    deadline = time.monotonic() + timeout
    while True:
        statuses = {httpx.get(f"{base_url}{API}/generations/{generation_id}", headers=user.headers, timeout=10)
                    .json()["generation"]["status"] for generation_id in ids}
        if statuses <= {"completed"}:
            return
        assert time.monotonic() < deadline and not statuses & {"failed", "cancelled"}, statuses
        time.sleep(0.2)


def state(base_url: str, user) -> tuple[int, dict[str, dict]]:
    """The user's balance and avatars (id → name, size, prompt), as the API shows them."""
    balance = httpx.get(f"{base_url}/api/credits/balance", headers=user.headers).json()["data"]["balance"]
    avatars = httpx.get(f"{base_url}{API}/avatars", params={"limit": 100}, headers=user.headers).json()["avatars"]
    return balance, {a["id"]: {key: a[key] for key in ("name", "width", "height", "fileSize")} for a in avatars}


def download(base_url: str, user, avatar_id: str) -> bytes:
    reply = httpx.get(f"{base_url}{API}/avatars/{avatar_id}/download", headers=user.headers, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.content


def files_below(data_dir: Path) -> dict[str, bytes]:
    return {path.relative_to(data_dir).as_posix(): path.read_bytes() for path in (data_dir / "files").rglob("*")
            if path.is_file()}


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_backup_taken_while_generations_run_restores_the_same_service(tmp_path, database_url):
    env = service_env(tmp_path / "data", database_url, offline_step_delay_ms=300)
    restored_dir = tmp_path / "restored"
    restored_env = service_env(restored_dir, "")  # the default: a SQLite file inside the (empty) data folder
    archive = tmp_path / "backup.tar.gz"
    port, restored_port = free_port(), free_port()
    original, restored = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{restored_port}"
    processes = [serve(env, tmp_path, port)]
    try:
        wait_until_serving(original, processes[0])
        users = [sign_up(original, f"keeper-{index}@example.com") for index in range(2)]
        wait_terminal(original, users[0], queue(original, users[0], 2))  # avatars finished before the backup
        running = {user.user_id: queue(original, user, 3) + queue(original, user, 2) for user in users}  # 10

        taken = cli(env, "backup", str(archive))
        assert taken.returncode == 0, taken.stdout + taken.stderr
        with tarfile.open(archive) as opened:
            manifest = json.load(opened.extractfile("manifest.json"))
        assert manifest["tables"]["users"] == 2 and manifest["tables"]["generations"] == 12

        for user in users:
            wait_terminal(original, user, running[user.user_id])
        before = {user.user_id: state(original, user) for user in users}

        verified = cli(env, "restore", "--verify", str(archive))
        assert verified.returncode == 0 and "is sound" in verified.stdout, verified.stdout + verified.stderr
        done = cli(restored_env, "restore", str(archive))
        assert done.returncode == 0, done.stdout + done.stderr
        again = cli(restored_env, "restore", str(archive))
        assert again.returncode == 1 and "is not empty" in again.stdout
        with sqlite3.connect(restored_dir / "avatar-creator.db") as connection:
            unfinished = connection.execute(
                "SELECT count(*) FROM generations WHERE status IN ('pending', 'processing')").fetchone()[0]
            kept = dict(connection.execute("SELECT id, user_id FROM avatars").fetchall())
        assert unfinished > 0  # the backup was taken while the generations ran
        assert len(kept) >= 2
        copies = files_below(restored_dir)
        originals = files_below(tmp_path / "data")
        assert copies and all(originals[name] == data for name, data in copies.items())  # byte for byte

        processes.append(serve(restored_env, tmp_path, restored_port))
        wait_until_serving(restored, processes[1])
        for user in users:  # the interrupted generations finish in the restored service, charged once
            wait_terminal(restored, user, running[user.user_id])
            balance, avatars = state(restored, user)
            assert balance == before[user.user_id][0] and len(avatars) == len(before[user.user_id][1])
            for avatar_id in (avatar_id for avatar_id, owner in kept.items() if owner == user.user_id):
                assert avatars[avatar_id] == before[user.user_id][1][avatar_id]
                assert download(restored, user, avatar_id) == download(original, user, avatar_id)
        logged_in = httpx.post(f"{restored}/api/auth/login", json={"email": "keeper-0@example.com",
                                                                    "password": "burst password 1"})
        assert logged_in.status_code == 200
    finally:
        for process in processes:
            process.stop()
    ledger = Ledger(f"sqlite:///{restored_dir / 'avatar-creator.db'}")
    try:
        for user in users:
            ledger.assert_exact(user.user_id)
    finally:
        ledger.close()


@pytest.fixture
def small_backup(tmp_path, database_url) -> Path:
    """A backup of a service with one stored file and the generated secret key."""
    settings = make_settings(tmp_path, database_url, secret_key="")
    settings.prepare()
    (settings.files_dir / "u").mkdir()
    (settings.files_dir / "u" / "portrait.png").write_bytes(b"\x89PNG not really")
    database = Database(database_url)
    try:
        target = tmp_path / "small.tar.gz"
        backup.create(settings=settings, database=database, target=target)
    finally:
        database.dispose()
    return target


def repack(source: Path, target: Path, change) -> None:
    """Rewrite an archive, passing each member's bytes through ``change(name, data)``."""
    with tarfile.open(source) as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = change(member.name, old.extractfile(member).read())
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))


def verify_fails(tmp_path: Path, archive: Path) -> str:
    answer = cli({**os.environ, "AVATAR_DATA_DIR": str(tmp_path / "unused")}, "restore", "--verify", str(archive))
    assert answer.returncode == 1, answer.stdout
    return " ".join(answer.stdout.split())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_corrupted_backup_fails_verify_saying_what_is_wrong(tmp_path, small_backup):
    assert backup.verify(small_backup)["secret_key"] == "secret_key"
    data = bytearray(small_backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    flipped = tmp_path / "flipped.tar.gz"
    flipped.write_bytes(bytes(data))
    assert "is damaged or not a backup archive" in verify_fails(tmp_path, flipped)

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(bytes(small_backup.read_bytes()[: len(data) // 2]))
    assert "is damaged or not a backup archive" in verify_fails(tmp_path, truncated)

    altered = tmp_path / "altered.tar.gz"
    repack(small_backup, altered, lambda name, data: b"tampered" if name == "files/u/portrait.png" else data)
    assert "the backup is corrupted: files/u/portrait.png: checksum mismatch" in verify_fails(tmp_path, altered)

    recounted = tmp_path / "recounted.tar.gz"

    def fewer_users(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["tables"]["alembic_version"] += 1
        return json.dumps(manifest).encode()

    repack(small_backup, recounted, fewer_users)
    assert "does not hold the manifest's row counts (tables: alembic_version)" in verify_fails(tmp_path, recounted)

    not_a_backup = tmp_path / "other.tar.gz"
    not_a_backup.write_bytes(gzip.compress(b"just some text"))
    assert "damaged or not a backup archive" in verify_fails(tmp_path, not_a_backup)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_with_postgresql_the_files_are_backed_up_and_the_dump_commands_printed(tmp_path, database_url, small_backup):
    manifest = backup.verify(small_backup)
    assert manifest["database"] == "postgresql" and "database/avatar-creator.db" not in manifest["members"]
    assert manifest["tables"]["alembic_version"] == 1 and manifest["tables"]["users"] == 0  # to compare after restore
    assert manifest["postgresql"]["dump"].startswith("pg_dump --format=custom")
    assert "pg_restore" in manifest["postgresql"]["restore"] and "***" not in database_url

    target = make_settings(tmp_path / "elsewhere", database_url)
    backup.restore(small_backup, settings=target)
    assert (target.files_dir / "u" / "portrait.png").read_bytes() == b"\x89PNG not really"
    assert (target.data_dir / "secret_key").read_bytes() == (tmp_path / "data" / "secret_key").read_bytes()
    assert oct((target.data_dir / "secret_key").stat().st_mode & 0o777) == "0o600"
