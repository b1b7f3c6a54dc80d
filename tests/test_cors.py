"""CORS with credentials: only listed origins, and ``*`` (which would let any site act as the user) refused."""

from __future__ import annotations

import subprocess
import sys

from fastapi.testclient import TestClient

from avatar_creator.app import create_app
from tests.support.load import REPO_ROOT
from tests.support.processes import free_port, service_env
from tests.support.settings import make_settings


def test_a_wildcard_origin_stops_start_up_with_one_clear_line(tmp_path):
    env = {**service_env(tmp_path / "data", ""), "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "400",
           "AVATAR_CORS_ORIGINS": "https://app.example.com, *"}
    result = subprocess.run([sys.executable, "-m", "avatar_creator.cli", "serve", "--port", str(free_port())],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Configuration error: AVATAR_CORS_ORIGINS:"), lines
    assert "'*'" in lines[0] and result.stderr == ""


def test_listed_origins_alone_get_credentials(tmp_path, database_url):
    settings = make_settings(tmp_path, database_url, cors_origins="https://app.example.com")
    with TestClient(create_app(settings)) as client:
        preflight = {"Access-Control-Request-Method": "POST"}
        listed = client.options("/api/auth/login", headers={**preflight, "Origin": "https://app.example.com"})
        other = client.options("/api/auth/login", headers={**preflight, "Origin": "https://evil.example"})
    assert listed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert listed.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in other.headers
