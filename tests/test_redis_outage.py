"""A Redis outage under a real ``serve`` with rate limits on: login, generate, upload and the event stream answer 2xx
or 503 (never a 500, never a dropped connection), readiness says what happens meanwhile, and everything works
again within 2 s of Redis coming back on its port."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import redis

from tests.support.events import EVENTS_PATH, EventReader
from tests.support.load import API, GENERATE_BODY, User, deployment, sign_up
from tests.support.redis_server import RedisServer, redis_server
from tests.support.uploads import jpeg, upload_path

pytestmark = pytest.mark.serial

PASSWORD = "burst password 1"  # tests.support.load.sign_up's
# On, but loose enough that only an outage, not this test's own requests, can stop a call.
LIMITS = {"rate_limits": "on", "rate_limit_login": "1000/minute", "rate_limit_generate": "1000/minute",
          "rate_limit_upload": "1000/minute"}
DURING = {"memory": {200, 201, 202}, "refuse": {503}}  # what the limited calls answer while Redis is away
HEALED_WITHIN_S = 2.0
HUNG_WITHIN_S = 3.0  # a request's calls to a hung Redis (limits, doorbell, events) each time out in 0.5 s


class Calls:
    """The four calls the outage must not break, sent together from one asyncio client."""

    def __init__(self, client: httpx.AsyncClient, user: User, email: str):
        self.client, self.user, self.email = client, user, email
        self.photo = jpeg(320, 320)

    async def all(self) -> dict[str, httpx.Response]:
        names = ("login", "generate", "upload", "stream")
        answers = await asyncio.gather(self.login(), self.generate(), self.upload(), self.stream())
        return dict(zip(names, answers, strict=True))

    async def login(self) -> httpx.Response:
        return await self.client.post("/api/auth/login", json={"email": self.email, "password": PASSWORD})

    async def generate(self) -> httpx.Response:
        return await self.client.post(f"{API}/projects/{self.user.project_id}/avatars/generate", json=GENERATE_BODY,
                                      headers=self.user.headers)

    async def upload(self) -> httpx.Response:
        return await self.client.post(upload_path(self.user.project_id), headers=self.user.headers,
                                      data={"name": "Photo"}, files={"image": ("photo.jpg", self.photo, "image/jpeg")})

    async def stream(self) -> httpx.Response:
        async with self.client.stream("GET", EVENTS_PATH, headers=self.user.headers) as response:
            return response  # opened (or refused): its status is what counts here


def _counted_in(server: RedisServer) -> bool:
    """Whether Redis (restarted empty) holds a login counter: the limits are shared between processes again."""
    client = redis.Redis.from_url(server.url)
    try:
        return any(b"login" in key for key in client.scan_iter("*"))
    finally:
        client.close()


def _queued(answers: dict[str, httpx.Response]) -> set[str]:
    generate = answers["generate"]
    return {generate.json()["generation"]["id"]} if generate.status_code == 202 else set()


async def _outage(base_url: str, server: RedisServer, user: User, email: str, without_redis: str) -> float:
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as client:
        calls = Calls(client, user, email)
        before = await calls.all()
        assert {name: answer.status_code for name, answer in before.items()} == {
            "login": 200, "generate": 202, "upload": 201, "stream": 200}, before["upload"].text
        queued = _queued(before)
        async with client.stream("GET", EVENTS_PATH, headers=user.headers) as open_stream:
            reader = EventReader(open_stream)
            server.kill()

            during = await calls.all()
            statuses = {name: answer.status_code for name, answer in during.items()}
            assert statuses["stream"] == 200, statuses
            for name in ("login", "generate", "upload"):
                assert statuses[name] in DURING[without_redis], statuses
                if statuses[name] == 503:
                    assert during[name].json()["error"]["code"] == "SERVICE_UNAVAILABLE"
                    assert during[name].headers["Retry-After"]
            queued |= _queued(during)
            ready = await client.get("/health/ready")
            assert ready.status_code == 503
            detail = ready.json()["checks"]["redis"]["detail"]
            assert ("counted in each process" if without_redis == "memory" else "answer 503") in detail

            server.start()
            back = time.monotonic()
            while True:
                after = await calls.all()
                statuses = {name: answer.status_code for name, answer in after.items()}
                assert set(statuses.values()) <= {200, 201, 202, 503}, statuses
                queued |= _queued(after)
                healed = time.monotonic() - back
                if set(statuses.values()) <= {200, 201, 202} and _counted_in(server):
                    break
                assert healed < HEALED_WITHIN_S, statuses
                await asyncio.sleep(0.1)

            # The stream opened before the outage is still open, and tells about work queued during and after it:
            # the worker found it without the doorbell, and the events reached the stream.
            completed: set[str] = set()
            while not queued <= completed:
                [event] = await reader.next(kinds=("generation",), timeout=20)
                if event.data["status"] == "completed":
                    completed.add(event.data["id"])
    return healed


@pytest.mark.parametrize("without_redis", ["memory", "refuse"])
def test_a_redis_outage_is_2xx_or_503_never_500_and_heals_within_2_s(tmp_path, database_url, without_redis):
    with redis_server(tmp_path) as server, deployment(
            tmp_path / "data", database_url, redis_url=server.url, redis_prefix="outage", workers=1,
            welcome_bonus=1000, rate_limits_without_redis=without_redis, **LIMITS) as service:
        email = "outage@example.com"
        user = sign_up(service.base_url, email)
        healed = asyncio.run(_outage(service.base_url, server, user, email, without_redis))
        assert healed < HEALED_WITHIN_S
        assert "Traceback" not in service.logs() and " 500" not in service.logs()


async def _hung(base_url: str, server: RedisServer, user: User, email: str) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as client:
        calls = Calls(client, user, email)
        server.pause()
        try:
            seconds = {}
            for name in ("login", "generate", "upload"):  # one at a time: each pays for its own calls to Redis
                started = time.monotonic()
                answer = await getattr(calls, name)()
                seconds[name] = time.monotonic() - started
                assert answer.status_code in {200, 201, 202}, (name, answer.text)
        finally:
            server.resume()
    return seconds


def test_a_hung_redis_costs_a_request_little(tmp_path):
    """Redis stopped, not gone (connections open, nothing answers): requests wait out short timeouts, not 12 s."""
    with redis_server(tmp_path) as server, deployment(
            tmp_path / "data", f"sqlite:///{tmp_path}/hung.db", redis_url=server.url, redis_prefix="hung",
            workers=1, **LIMITS) as service:
        email = "hung@example.com"
        user = sign_up(service.base_url, email)
        seconds = asyncio.run(_hung(service.base_url, server, user, email))
        assert max(seconds.values()) < HUNG_WITHIN_S, seconds
