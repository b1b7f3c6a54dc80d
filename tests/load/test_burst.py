"""One user's burst against real servers: 200 project creations and 50 generates arriving at the same instant from
one asyncio client, on SQLite (``serve``) and on PostgreSQL + Redis (``serve --no-worker`` + ``worker``).

Every answer is a success, a 402 or a quick 503 with ``Retry-After`` (never a 500); every accepted request is in
the database exactly once and no refused one is; the ledger matches the balance; another user's ``GET /api/auth/me``
stays fast meanwhile. With a one-connection pool the same burst gets fast 503s, not hangs.
"""

from __future__ import annotations

import time

import anyio
import pytest
from sqlalchemy import select

from avatar_creator.projects.models import Project
from tests.support.jobs import Ledger
from tests.support.load import ACCEPTED, BurstReport, User, deployment, percentile, run_burst, sign_up

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.serial]

WELCOME_BONUS = 300  # 30 of the 50 generates can be paid for: the rest must be 402s (or 503s), never charged
OTHER_USER_P99_S = 0.5
# One connection, waited for 50 ms: eight requests in flight cannot all get it. A refused request waits at most
# AVATAR_ADMISSION_WAIT_SECONDS (1) for a slot and 0.05 s for the connection; the rest is slack for a loaded machine.
# Measured by the server (Server-Timing): the burst's own client is too busy to time it. Today's failure: 30 s hangs.
TINY_POOL = {"db_pool_size": 1, "db_pool_timeout_seconds": 0.05}
TINY_POOL_SERVER_S = 2.0
TERMINAL = ("completed", "failed", "cancelled")


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_a_burst_from_one_user_is_answered_exactly_once_and_others_stay_fast(request, tmp_path, database_url):
    report, ledger, burster = await _burst(request, tmp_path, database_url)
    try:
        _assert_exactly_once(report, ledger, burster)
    finally:
        ledger.close()
    assert report.statuses("create").get(201, 0) > 0 and report.statuses("generate").get(202, 0) > 0, \
        report.statuses()
    me = report.other_user
    assert {answer.status for answer in me} == {200}
    p99 = percentile([answer.seconds for answer in me], 0.99)
    assert p99 < OTHER_USER_P99_S, f"GET /me p99 {p99 * 1000:.0f} ms over {len(me)} requests during the burst"


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_with_a_one_connection_pool_the_burst_gets_fast_503s_not_hangs(request, tmp_path, database_url):
    report, ledger, burster = await _burst(request, tmp_path, database_url, **TINY_POOL)
    try:
        _assert_exactly_once(report, ledger, burster)
    finally:
        ledger.close()
    assert report.statuses().get(503, 0) > 0, report.statuses()
    slowest = max(report.answers, key=lambda answer: answer.server_seconds)
    assert slowest.server_seconds < TINY_POOL_SERVER_S, slowest
    assert {answer.status for answer in report.other_user} <= {200, 503}
    assert all(answer.retry_after for answer in report.other_user if answer.status == 503)


async def _burst(request, tmp_path, database_url: str, **settings) -> tuple[BurstReport, Ledger, User]:
    scaled_out = database_url.startswith("postgresql")
    if scaled_out:
        settings.update(redis_url=request.getfixturevalue("redis_url"),
                        redis_prefix=request.getfixturevalue("redis_prefix"), worker_processes=1)
    with deployment(tmp_path / "data", database_url, welcome_bonus=WELCOME_BONUS, **settings) as running:
        burster = sign_up(running.base_url, "burster@example.com")
        other = sign_up(running.base_url, "bystander@example.com")
        report = await run_burst(running.base_url, burster, other)
        ledger = Ledger(database_url)
        await _until_finished(ledger, burster.user_id, running)
    return report, ledger, burster


def _assert_exactly_once(report: BurstReport, ledger: Ledger, burster: User) -> None:
    unexpected = [a for a in report.answers if a.status not in ACCEPTED and a.status != 503]
    assert unexpected == [], unexpected[:3]
    assert all(a.retry_after for a in report.answers if a.status == 503)
    with ledger.database.session(write=False) as session:
        stored = set(session.scalars(select(Project.name).where(Project.user_id == burster.user_id,
                                                                Project.name.startswith("burst-"))))
    assert stored == report.created_names()  # every 201 is there once, no refused one is
    assert {g.id for g in ledger.generations(burster.user_id)} == report.generation_ids()
    ledger.assert_exact(burster.user_id)
    accepted = len(report.generation_ids())
    assert ledger.balance(burster.user_id) == WELCOME_BONUS - 10 * accepted + sum(
        g.refunded for g in ledger.generations(burster.user_id))


async def _until_finished(ledger: Ledger, user_id: str, running, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        statuses = [generation.status for generation in ledger.generations(user_id)]
        if all(status in TERMINAL for status in statuses):
            return
        assert time.monotonic() < deadline, f"generations still running: {statuses}\n{running.logs()}"
        await anyio.sleep(0.25)
