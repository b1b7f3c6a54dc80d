"""The rate limiter while Redis is away: limits still hold in this process (``memory``), or the request is a 503
(``refuse``); and the shared counters are used again once Redis is back."""

from __future__ import annotations

import time

import pytest

from avatar_creator.errors import RateLimited, ServiceUnavailable
from avatar_creator.ratelimit import RateLimiter
from avatar_creator.redis_outage import RETRY_S
from tests.support.processes import free_port
from tests.support.redis_server import redis_server


def limiter(redis_url: str, without_redis: str) -> RateLimiter:
    return RateLimiter(limits_by_name={"login": "2/minute"}, enabled=True, redis_url=redis_url,
                       key_prefix="limits-test", without_redis=without_redis)


def test_without_redis_the_limits_still_hold_in_this_process():
    memory = limiter(f"redis://127.0.0.1:{free_port()}/0", "memory")
    assert memory.hit("login", "1.2.3.4")["X-RateLimit-Remaining"] == "1"
    memory.hit("login", "1.2.3.4")
    with pytest.raises(RateLimited):
        memory.hit("login", "1.2.3.4")


def test_refuse_answers_503_with_retry_after_while_redis_is_away():
    with pytest.raises(ServiceUnavailable) as refused:
        limiter(f"redis://127.0.0.1:{free_port()}/0", "refuse").hit("login", "1.2.3.4")
    assert refused.value.headers["Retry-After"] == "1"


def test_the_counters_are_redis_again_when_it_is_back(tmp_path):
    with redis_server(tmp_path) as server:
        shared = limiter(server.url, "refuse")
        shared.hit("login", "1.2.3.4")
        server.kill()
        with pytest.raises(ServiceUnavailable):
            shared.hit("login", "1.2.3.4")
        server.start()  # empty: the count starts again, in Redis, once the limiter tries it again
        time.sleep(RETRY_S)
        assert shared.hit("login", "1.2.3.4")["X-RateLimit-Remaining"] == "1"
        shared.hit("login", "1.2.3.4")
        with pytest.raises(RateLimited):
            shared.hit("login", "1.2.3.4")
