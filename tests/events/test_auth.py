"""Opening a stream: a ticket, the bearer header or the session cookie; anything else is a 401."""

from __future__ import annotations

import time

import anyio
import httpx
import pytest

from avatar_creator.deps import CSRF_COOKIE, CSRF_HEADER
from avatar_creator.events import tickets
from tests.support.events import EVENTS_PATH, EventReader, record
from tests.support.factories import PASSWORD, register

pytestmark = pytest.mark.anyio
TICKET_PATH = EVENTS_PATH + "/ticket"
SECRET = b"s" * 40


def test_a_ticket_names_its_user_until_it_expires():
    ticket = tickets.issue("user-1", secret=SECRET, now=1000.0)
    assert tickets.verify(ticket, secret=SECRET, now=1000.0) == "user-1"
    assert tickets.verify(ticket, secret=SECRET, now=1059.9) == "user-1"
    assert tickets.verify(ticket, secret=SECRET, now=1060.0) is None
    assert tickets.verify(ticket, secret=b"t" * 40, now=1000.0) is None


@pytest.mark.parametrize("tamper", [
    lambda t: "user-2" + t[len("user-1"):],  # someone else's stream
    lambda t: t.replace(".1060.", ".9999999999."),  # a longer life
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # a forged signature
    lambda t: t.rsplit(".", 1)[0],  # no signature
    lambda t: "",
    lambda t: "user-1.10x0.abc",
])
def test_a_tampered_ticket_is_refused(tamper):
    ticket = tickets.issue("user-1", secret=SECRET, now=1000.0)
    assert tickets.verify(tamper(ticket), secret=SECRET, now=1000.0) is None


async def _opens(live, user_id: str, **request) -> int:
    """The status of ``GET …/events``; for a 200, also checks the stream carries the user's events."""
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
        async with client.stream("GET", EVENTS_PATH, **request) as stream:
            if stream.status_code != 200:
                await stream.aread()
                assert stream.json()["error"]["code"] == "UNAUTHORIZED"
                return stream.status_code
            reader = EventReader(stream)
            await reader.next(kinds=("queue",))  # subscribed and past the opening: what comes next is live
            await anyio.to_thread.run_sync(record, live.app, user_id, "avatar", {"hello": user_id})
            [event] = await reader.next()
            assert event.data == {"hello": user_id}
            return 200


async def test_the_three_ways_in(live, http):
    user = register(http)
    user_id = user["user"]["id"]

    assert await _opens(live, user_id, headers=user["headers"]) == 200

    ticket = http.post(TICKET_PATH, headers=user["headers"]).json()["ticket"]
    assert await _opens(live, user_id, params={"ticket": ticket}) == 200

    with httpx.Client(base_url=live.url, timeout=10) as browser:
        assert browser.post("/api/auth/login", json={"email": user["user"]["email"],
                                                     "password": PASSWORD}).status_code == 200
        cookies = dict(browser.cookies)
        # A cookie session also gets tickets (with its CSRF token, as for every cookie POST).
        assert browser.post(TICKET_PATH).status_code == 403
        response = browser.post(TICKET_PATH, headers={CSRF_HEADER: browser.cookies[CSRF_COOKIE]})
        assert response.status_code == 200 and response.json()["expiresIn"] == 60
    assert await _opens(live, user_id, cookies=cookies) == 200


async def test_bad_credentials_are_refused(live, http):
    user = register(http)
    user_id = user["user"]["id"]
    secret = live.app.state.settings.secret
    good = tickets.issue(user_id, secret=secret, now=time.time())
    expired = tickets.issue(user_id, secret=secret, now=time.time() - 61)
    forged = tickets.issue(user_id, secret=b"not the server's secret" * 2, now=time.time())

    assert http.post(TICKET_PATH).status_code == 401
    assert await _opens(live, user_id) == 401
    assert await _opens(live, user_id, params={"ticket": expired}) == 401
    assert await _opens(live, user_id, params={"ticket": forged}) == 401
    assert await _opens(live, user_id, params={"ticket": good[:-2]}) == 401
    assert await _opens(live, user_id, headers={"Authorization": "Bearer not-a-token"}) == 401
    http.post("/api/auth/logout", headers=user["headers"])
    assert await _opens(live, user_id, headers=user["headers"]) == 401
    assert await _opens(live, user_id, params={"ticket": good}) == 200  # a ticket lives its 60 s
