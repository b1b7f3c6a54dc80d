"""The account over HTTP: profile and email, password change, sessions (listed, revoked, last seen), on both
databases."""

from __future__ import annotations

from datetime import timedelta

import anyio
import httpx
import pytest

from avatar_creator.app import create_app
from avatar_creator.auth import service as auth_service
from tests.support.accounts import NEW_PASSWORD, Clock, login, me_status, sessions
from tests.support.events import EVENTS_PATH, EventReader, LiveServer
from tests.support.factories import PASSWORD, register
from tests.support.settings import make_settings

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/18.1 Mobile/15E148 Safari/604.1")


def test_name_changes_freely_but_the_email_needs_the_password(client):
    user = register(client, email="ada@example.com")
    renamed = client.put("/api/auth/me", json={"name": "Ada L."}, headers=user["headers"])
    assert renamed.status_code == 200 and renamed.json()["data"]["user"]["name"] == "Ada L."

    missing = client.put("/api/auth/me", json={"email": "lovelace@example.com"}, headers=user["headers"])
    wrong = client.put("/api/auth/me", json={"email": "lovelace@example.com", "currentPassword": "not my password"},
                       headers=user["headers"])
    for refused in (missing, wrong):
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["field"] == "currentPassword"
    assert client.get("/api/auth/me", headers=user["headers"]).json()["data"]["user"]["email"] == "ada@example.com"

    changed = client.put("/api/auth/me", json={"email": "Lovelace@Example.com", "currentPassword": PASSWORD},
                         headers=user["headers"])
    assert changed.status_code == 200 and changed.json()["data"]["user"]["email"] == "lovelace@example.com"
    login(client, "lovelace@example.com")
    assert client.post("/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}).status_code == 401


def test_an_email_taken_in_any_letter_case_is_a_conflict(client):
    register(client, email="taken@example.com")
    user = register(client, email="free@example.com")
    response = client.put("/api/auth/me", json={"email": "TAKEN@example.com", "currentPassword": PASSWORD},
                          headers=user["headers"])
    assert response.status_code == 409 and response.json()["error"]["field"] == "email"
    assert client.get("/api/auth/me", headers=user["headers"]).json()["data"]["user"]["email"] == "free@example.com"


def test_changing_the_password_ends_every_other_session(client):
    user = register(client, email="pw@example.com")
    other = login(client, "pw@example.com")
    wrong = client.post("/api/auth/password", json={"currentPassword": "not my password",
                                                    "newPassword": NEW_PASSWORD}, headers=user["headers"])
    assert wrong.status_code == 400 and wrong.json()["error"]["field"] == "currentPassword"
    assert me_status(client, other) == 200  # a refused change ends nothing

    short = client.post("/api/auth/password", json={"currentPassword": PASSWORD, "newPassword": "short"},
                        headers=user["headers"])
    assert short.status_code == 400 and short.json()["error"]["field"] == "newPassword"

    changed = client.post("/api/auth/password", json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD},
                          headers=user["headers"])
    assert changed.status_code == 204
    assert me_status(client, other) == 401
    assert me_status(client, user["headers"]) == 200
    assert client.post("/api/auth/login", json={"email": "pw@example.com", "password": PASSWORD}).status_code == 401
    login(client, "pw@example.com", NEW_PASSWORD)


def test_sessions_are_listed_with_device_address_and_which_one_is_this(client):
    user = register(client, email="s@example.com")
    login(client, "s@example.com", user_agent=FIREFOX)
    phone = login(client, "s@example.com", user_agent=IPHONE)
    listed = sessions(client, phone)
    assert len(listed) == 3
    assert {row["device"] for row in listed} >= {"Firefox on Linux", "Safari on iOS"}
    [current] = [row for row in listed if row["current"]]
    assert current["userAgent"] == IPHONE and current["ip"] == "testclient"
    assert set(current) == {"id", "userAgent", "device", "ip", "createdAt", "lastSeenAt", "current"}
    assert current["lastSeenAt"].endswith(("Z", "+00:00"))
    assert [row["current"] for row in sessions(client, user["headers"])].count(True) == 1


def test_revoking_one_session_and_all_others(client):
    user = register(client, email="r@example.com")
    laptop = login(client, "r@example.com", user_agent=FIREFOX)
    phone = login(client, "r@example.com", user_agent=IPHONE)
    [laptop_row] = [row for row in sessions(client, user["headers"]) if row["userAgent"] == FIREFOX]

    assert client.delete(f"/api/auth/sessions/{laptop_row['id']}", headers=user["headers"]).status_code == 204
    assert me_status(client, laptop) == 401 and me_status(client, phone) == 200

    stranger = register(client)
    refused = client.delete(f"/api/auth/sessions/{sessions(client, phone)[0]['id']}", headers=stranger["headers"])
    assert refused.status_code == 404  # someone else's session: as if it did not exist
    assert me_status(client, phone) == 200

    assert client.delete("/api/auth/sessions", headers=user["headers"]).status_code == 400  # others=true only
    assert client.delete("/api/auth/sessions", params={"others": "true"}, headers=user["headers"]).status_code == 204
    assert me_status(client, phone) == 401
    assert [row["current"] for row in sessions(client, user["headers"])] == [True]


def test_revoking_ones_own_session_signs_out(client):
    user = register(client)
    [own] = sessions(client, user["headers"])
    assert client.delete(f"/api/auth/sessions/{own['id']}", headers=user["headers"]).status_code == 204
    assert me_status(client, user["headers"]) == 401


def test_last_seen_is_written_at_most_once_a_minute(client, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(auth_service, "utcnow", clock)
    user = register(client)
    [first] = sessions(client, user["headers"])

    clock.offset = timedelta(seconds=30)
    assert me_status(client, user["headers"]) == 200
    [within_a_minute] = sessions(client, user["headers"])
    assert within_a_minute["lastSeenAt"] == first["lastSeenAt"]

    clock.offset = timedelta(seconds=61)
    assert me_status(client, user["headers"]) == 200
    [after_a_minute] = sessions(client, user["headers"])
    assert after_a_minute["lastSeenAt"] > first["lastSeenAt"]
    assert after_a_minute["createdAt"] == first["createdAt"]


@pytest.fixture
def live(tmp_path, database_url):
    server = LiveServer(create_app(make_settings(tmp_path, database_url)))
    yield server
    server.stop()


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_password_change_closes_the_other_sessions_open_stream_within_2_s(live, anyio_backend):
    with httpx.Client(base_url=live.url, timeout=10) as http:
        user = register(http, email="stream@example.com")
        other = login(http, "stream@example.com")
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
        async with client.stream("GET", EVENTS_PATH, headers=other) as other_stream, \
                client.stream("GET", EVENTS_PATH, headers=user["headers"]) as own_stream:
            other_reader, own_reader = EventReader(other_stream), EventReader(own_stream)
            await other_reader.next(kinds=("queue",))
            await own_reader.next(kinds=("queue",))
            changed = await client.post("/api/auth/password", headers=user["headers"],
                                        json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD})
            assert changed.status_code == 204
            with anyio.fail_after(2.0):
                await other_reader.rest()  # the server ends the other session's stream
            with pytest.raises(TimeoutError), anyio.fail_after(0.5):
                await own_reader.rest()  # the session that made the change keeps its stream
