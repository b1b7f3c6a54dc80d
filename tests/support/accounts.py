"""Account helpers: sign in again as a user (another session), its sessions, a movable clock for the auth service,
and the token of a mailed link."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from avatar_creator.db import utcnow
from tests.support.factories import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def login(client, email: str, password: str = PASSWORD, user_agent: str = "pytest") -> dict:
    """A new session of the user; returns its bearer header (the cookie is dropped)."""
    response = client.post("/api/auth/login", json={"email": email, "password": password},
                           headers={"User-Agent": user_agent})
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {response.json()['data']['token']}"}


def me_status(client, headers: dict) -> int:
    return client.get("/api/auth/me", headers=headers).status_code


def sessions(client, headers: dict) -> list[dict]:
    response = client.get("/api/auth/sessions", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]["sessions"]


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


class Clock:
    """The auth service's clock (monkeypatched in as ``auth.service.utcnow``), moved forward by the test."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self):
        return utcnow() + self.offset
