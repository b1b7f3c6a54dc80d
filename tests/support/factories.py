"""Small helpers that create things through the API, with keyword defaults."""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"


def register(client: TestClient, *, email: str | None = None, password: str = PASSWORD, name: str | None = "Test"
             ) -> dict:
    """Register a user; returns ``{"user", "token", "headers"}`` with a bearer header ready to use."""
    email = email or f"user-{secrets.token_hex(4)}@example.com"
    response = client.post("/api/auth/register", json={"email": email, "password": password, "name": name})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    client.cookies.clear()  # bearer tests must not silently ride on the cookie
    return {**data, "headers": {"Authorization": f"Bearer {data['token']}"}}


def create_project(client: TestClient, headers: dict, *, name: str = "My project", description: str | None = None
                   ) -> dict:
    response = client.post("/api/apps/avatar-creator/projects", json={"name": name, "description": description},
                           headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["project"]


GENERATE_BODY = {"name": "Ada", "prompt": "a friendly astronaut with short hair", "width": 256, "height": 256}
TERMINAL = ("completed", "failed", "cancelled")


def generate(client: TestClient, headers: dict, project_id: str, *, expect: int = 202,
             extra_headers: dict | None = None, **body) -> dict:
    """POST a generate request (small images by default); returns the JSON reply."""
    response = client.post(f"/api/apps/avatar-creator/projects/{project_id}/avatars/generate",
                           json={**GENERATE_BODY, **body}, headers={**headers, **(extra_headers or {})})
    assert response.status_code == expect, response.text
    return response.json()


def get_generation(client: TestClient, headers: dict, generation_id: str) -> dict:
    response = client.get(f"/api/apps/avatar-creator/generations/{generation_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["generation"]


def wait_for_generations(client: TestClient, headers: dict, ids: list[str], *, statuses=TERMINAL,
                         timeout: float = 20.0) -> list[dict]:
    """Poll until every generation's status is one of ``statuses``; fails with their states on timeout."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        generations = [get_generation(client, headers, generation_id) for generation_id in ids]
        if all(generation["status"] in statuses for generation in generations):
            return generations
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {statuses}: "
                                 f"{[(g['status'], g['progress'], g['errorCode']) for g in generations]}")
        time.sleep(0.05)


def create_token(client: TestClient, headers: dict, *, scopes: list[str], name: str = "Other app",
                 expires_in_days: int | None = None) -> dict:
    """Create a personal API token; returns ``{"token", "secret", "headers"}`` with its bearer header."""
    response = client.post("/api/auth/tokens", json={"name": name, "scopes": scopes, "expiresInDays": expires_in_days},
                           headers=headers)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    return {**data, "headers": {"Authorization": f"Bearer {data['secret']}"}}
