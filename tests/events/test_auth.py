"""Opening a stream: a ticket (once, while its session lives), the bearer header or the session cookie; anything
else is a 401."""

from __future__ import annotations

import time

import anyio
import httpx
import pytest
import redis
from sqlalchemy import delete

from avatar_creator.auth.models import AuthSession
from avatar_creator.deps import CSRF_COOKIE, CSRF_HEADER
from avatar_creator.errors import ServiceUnavailable
from avatar_creator.events import tickets
from avatar_creator.events.broadcast import RESYNC
from tests.support.events import EVENTS_PATH, EventReader, record
from tests.support.factories import PASSWORD, register

pytestmark = pytest.mark.anyio
TICKET_PATH = EVENTS_PATH + "/ticket"
SECRET = b"s" * 40


def test_a_ticket_names_its_session_until_it_expires():
    ticket = tickets.issue("session-1", secret=SECRET, now=1000.0)
    assert tickets.verify(ticket, secret=SECRET, now=1000.0).session_id == "session-1"
    assert tickets.verify(ticket, secret=SECRET, now=1059.9).session_id == "session-1"
    assert tickets.verify(ticket, secret=SECRET, now=1060.0) is None
    assert tickets.verify(ticket, secret=b"t" * 40, now=1000.0) is None
    again = tickets.issue("session-1", secret=SECRET, now=1000.0)  # the same second: still another ticket
    assert tickets.verify(again, secret=SECRET, now=1000.0).nonce != tickets.verify(ticket, secret=SECRET,
                                                                                   now=1000.0).nonce


def test_a_ticket_is_used_once_and_forgotten_after_it_expires():
    used = tickets.LocalUsedTickets()
    first, second = (tickets.verify(tickets.issue("session-1", secret=SECRET, now=1000.0), secret=SECRET, now=1000.0)
                     for _ in range(2))
    assert used.first_use(first, now=1000.0) and not used.first_use(first, now=1001.0)
    assert used.first_use(second, now=1001.0)
    for n in range(3000):  # the record forgets expired tickets rather than growing forever
        used.first_use(tickets.Ticket(session_id="s", expires=1000 + n // 1000, nonce=str(n)), now=1000.0 + n // 1000)
    assert len(used._expiry_by_nonce) < 2100


def test_redis_remembers_used_tickets_for_every_replica_until_they_expire(redis_url, redis_prefix):
    now = time.time()
    ticket = tickets.verify(tickets.issue("session-1", secret=SECRET, now=now), secret=SECRET, now=now)
    replica_1, replica_2 = (tickets.RedisUsedTickets(redis_url, prefix=redis_prefix) for _ in range(2))
    assert replica_1.first_use(ticket, now=now) and not replica_2.first_use(ticket, now=now)
    with redis.Redis.from_url(redis_url) as admin:
        ttl = admin.ttl(f"{redis_prefix}:ticket:{ticket.nonce}")
    assert tickets.TICKET_TTL_S - 2 <= ttl <= tickets.TICKET_TTL_S + 1


def test_unreachable_redis_refuses_a_ticket_with_a_503_not_a_500():
    now = time.time()
    ticket = tickets.verify(tickets.issue("session-1", secret=SECRET, now=now), secret=SECRET, now=now)
    used = tickets.RedisUsedTickets("redis://127.0.0.1:1", prefix="nowhere")  # nothing listens on port 1
    with pytest.raises(ServiceUnavailable) as refused:
        used.first_use(ticket, now=now)
    assert refused.value.headers["Retry-After"]


@pytest.mark.parametrize("tamper", [
    lambda t: "session-2" + t[len("session-1"):],  # someone else's stream
    lambda t: t.replace(".1060.", ".9999999999."),  # a longer life
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # a forged signature
    lambda t: t.rsplit(".", 1)[0],  # no signature
    lambda t: "",
    lambda t: "session-1.10x0.abc.def",
    lambda t: t + ".more",
])
def test_a_tampered_ticket_is_refused(tamper):
    ticket = tickets.issue("session-1", secret=SECRET, now=1000.0)
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
    good = http.post(TICKET_PATH, headers=user["headers"]).json()["ticket"]
    session_id = good.split(".")[0]
    expired = tickets.issue(session_id, secret=secret, now=time.time() - 61)
    forged = tickets.issue(session_id, secret=b"not the server's secret" * 2, now=time.time())

    assert http.post(TICKET_PATH).status_code == 401
    assert await _opens(live, user_id) == 401
    assert await _opens(live, user_id, params={"ticket": expired}) == 401
    assert await _opens(live, user_id, params={"ticket": forged}) == 401
    assert await _opens(live, user_id, params={"ticket": good[:-2]}) == 401
    assert await _opens(live, user_id, headers={"Authorization": "Bearer not-a-token"}) == 401
    http.post("/api/auth/logout", headers=user["headers"])
    assert await _opens(live, user_id, headers=user["headers"]) == 401
    assert await _opens(live, user_id, params={"ticket": good}) == 401  # its session ended: so did the ticket
    assert http.post(TICKET_PATH, headers=user["headers"]).status_code == 401


async def test_a_ticket_opens_one_stream(live, http):
    user = register(http)
    ticket = http.post(TICKET_PATH, headers=user["headers"]).json()["ticket"]
    assert await _opens(live, user["user"]["id"], params={"ticket": ticket}) == 200
    assert await _opens(live, user["user"]["id"], params={"ticket": ticket}) == 401


async def test_a_stream_whose_sign_out_notice_was_lost_ends_at_its_next_read(live, http):
    """As when Redis was away while the logout's notice went out: the session is gone, no notice came; when the
    subscription comes back (``RESYNC``) the stream reads the table, finds its session ended, and ends."""
    user = register(http)
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
        async with client.stream("GET", EVENTS_PATH, headers=user["headers"]) as stream:
            reader = EventReader(stream)
            await reader.next(kinds=("queue",))
            await anyio.to_thread.run_sync(_delete_sessions, live.app, user["user"]["id"])
            live.app.state.broadcaster.deliver(RESYNC)
            with anyio.fail_after(2):
                assert await reader.rest() == []


def _delete_sessions(app, user_id: str) -> None:
    with app.state.database.session() as session:
        session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))
