"""Doorbells: a ring wakes a waiting worker (exactly one per ring on Redis); a lost or failed ring costs one wait."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from avatar_creator.jobs.doorbell import MAX_QUEUED_RINGS, LocalDoorbell, RedisDoorbell


class Waiters:
    """``count`` threads blocked on the doorbell; ``results()`` joins them and says which were woken."""

    def __init__(self, doorbell, count: int, timeout: float):
        self._results: list[bool] = []
        self._threads = [threading.Thread(target=lambda: self._results.append(doorbell.wait(timeout)))
                         for _ in range(count)]
        for thread in self._threads:
            thread.start()
        time.sleep(0.1)  # let them block

    def results(self) -> list[bool]:
        for thread in self._threads:
            thread.join()
        return sorted(self._results)


def test_local_ring_wakes_a_waiter_and_unrung_waits_time_out():
    doorbell = LocalDoorbell()
    assert doorbell.wait(0.05) is False
    waiting = Waiters(doorbell, 1, timeout=5)
    doorbell.ring()
    assert waiting.results() == [True]
    doorbell.ring()  # nobody waiting: the next wait returns at once instead of the ring being lost
    assert doorbell.wait(5) is True
    doorbell.ring_later(0.1)
    assert doorbell.wait(5) is True


@pytest.fixture
def redis_doorbell(redis_url, redis_prefix):
    doorbell = RedisDoorbell(redis_url, prefix=redis_prefix, poll_seconds=1)
    yield doorbell
    doorbell.close()


def test_a_redis_ring_wakes_exactly_one_waiter(redis_doorbell):
    waiting = Waiters(redis_doorbell, 2, timeout=1)
    redis_doorbell.ring()
    assert waiting.results() == [False, True]

    waiting = Waiters(redis_doorbell, 2, timeout=1)
    redis_doorbell.ring(2)
    assert waiting.results() == [True, True]


def test_redis_rings_nobody_waits_for_are_capped(redis_doorbell, redis_url):
    for _ in range(MAX_QUEUED_RINGS + 50):
        redis_doorbell.ring()
    assert redis.Redis.from_url(redis_url).llen(redis_doorbell.key) == MAX_QUEUED_RINGS


def test_redis_rings_cross_processes_through_the_key(redis_doorbell, redis_url, redis_prefix):
    other_process = RedisDoorbell(redis_url, prefix=redis_prefix, poll_seconds=1)
    other_process.ring_later(0.1)
    assert redis_doorbell.wait(2) is True
    other_process.close()


def test_an_unreachable_redis_neither_raises_nor_spins():
    doorbell = RedisDoorbell("redis://127.0.0.1:1/0", prefix="nowhere", poll_seconds=0.2)
    doorbell.ring()
    started = time.monotonic()
    assert doorbell.wait(0.2) is False
    assert time.monotonic() - started >= 0.2  # falls back to polling: waits out its timeout
