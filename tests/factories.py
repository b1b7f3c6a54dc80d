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
