"""Health, readiness, the platform routes and the operator's CLI."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.factories import register


def test_health_and_readiness(client):
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/api/apps/avatar-creator/health").json() == {"status": "ok"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert {"database", "redis", "storage"} <= set(checks)
    assert checks["database"]["ok"] is True and checks["database"]["latencyMs"] >= 0


def test_apps_and_recent_generations(client):
    apps = client.get("/api/apps").json()["apps"]
    assert apps[0]["appId"] == "avatar-creator"
    assert apps[0]["costs"]["generate"] == 10 and apps[0]["costs"]["upload"] == 2
    user = register(client)
    assert client.get("/api/generations/recent", headers=user["headers"]).json() == {"generations": []}


def test_readiness_is_503_when_the_database_is_down(tmp_path):
    from fastapi.testclient import TestClient

    from avatar_creator.app import create_app
    from tests.support.settings import make_settings

    app = create_app(make_settings(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:1/none"))
    with TestClient(app) as client:
        ready = client.get("/health/ready")
        assert ready.status_code == 503 and ready.headers["Retry-After"]
        assert ready.json()["checks"]["database"]["ok"] is False
        assert ready.json()["checks"]["database"]["fix"]
        outage = client.get("/api/auth/me", headers={"Authorization": "Bearer whatever"})
        assert outage.status_code == 503
        assert outage.json()["error"]["code"] == "SERVICE_UNAVAILABLE" and outage.headers["Retry-After"]


def run_cli(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "AVATAR_DATA_DIR": str(tmp_path / "data"), **env}
    return subprocess.run([sys.executable, "-m", "avatar_creator.cli", *args], capture_output=True, text=True,
                          env=environment, timeout=60)


def test_doctor_reports_an_unreachable_database_with_its_fix(tmp_path):
    result = run_cli(tmp_path, "doctor", AVATAR_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert result.returncode == 1
    assert "database" in result.stdout and "FAIL" in result.stdout
    assert "AVATAR_DATABASE_URL" in result.stdout


def test_doctor_passes_on_embedded_defaults(tmp_path):
    result = run_cli(tmp_path, "doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ready." in result.stdout


def test_misconfiguration_stops_with_one_clear_line(tmp_path):
    result = run_cli(tmp_path, "migrate", AVATAR_DATABASE_URL="mysql://nope")
    assert result.returncode == 2
    assert "AVATAR_DATABASE_URL" in result.stdout
    unwritable = run_cli(tmp_path, "migrate", AVATAR_DATA_DIR="/proc/avatar-data")
    assert unwritable.returncode == 2 and "AVATAR_DATA_DIR" in unwritable.stdout


def test_users_and_credits_commands(tmp_path):
    created = run_cli(tmp_path, "users", "create", "ops@example.com", "--password", "long enough pw", "--admin")
    assert created.returncode == 0, created.stdout + created.stderr
    assert "admin" in created.stdout
    granted = run_cli(tmp_path, "credits", "grant", "OPS@example.com", "50")
    assert granted.returncode == 0 and "150" in granted.stdout
    shown = run_cli(tmp_path, "credits", "show", "ops@example.com")
    assert "Balance: 150" in shown.stdout
    listed = run_cli(tmp_path, "users", "list")
    assert "ops@example.com" in listed.stdout
    demoted = run_cli(tmp_path, "users", "set-role", "ops@example.com", "user")
    assert demoted.returncode == 0 and "now user" in demoted.stdout
    unknown = run_cli(tmp_path, "credits", "grant", "ghost@example.com", "5")
    assert unknown.returncode == 1 and "ghost@example.com" in unknown.stdout


def test_readiness_reports_each_provider_with_its_fix(client):
    provider = client.get("/health/ready").json()["checks"]["provider"]
    assert provider["ok"] is True  # the default, offline, is ready
    assert "huggingface: not ready" in provider["detail"] and "diffusers: not ready" in provider["detail"]
    assert "AVATAR_HF_TOKEN" in provider["fix"] and "AVATAR_DIFFUSERS_MODEL_PATH" in provider["fix"]


def test_doctor_and_readiness_say_what_rate_limits_do_while_redis_is_away(tmp_path):
    from fastapi.testclient import TestClient

    from avatar_creator.app import create_app
    from tests.support.processes import free_port
    from tests.support.settings import make_settings

    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    result = run_cli(tmp_path, "doctor", AVATAR_REDIS_URL=dead_redis, AVATAR_RATE_LIMITS_WITHOUT_REDIS="refuse",
                     COLUMNS="300")
    assert result.returncode == 1
    assert "cannot reach Redis" in result.stdout and "rate-limited requests answer 503" in result.stdout
    with TestClient(create_app(make_settings(tmp_path, f"sqlite:///{tmp_path}/ready.db", redis_url=dead_redis))) \
            as client:
        ready = client.get("/health/ready")
        assert ready.status_code == 503
        assert "rate limits are counted in each process" in ready.json()["checks"]["redis"]["detail"]
