"""The worker check of readiness and ``doctor``: reported, never gating (the API serves without workers)."""

from __future__ import annotations

from sqlalchemy import func, select

from avatar_creator.db import Database, db_now
from avatar_creator.health import Check, CheckResult
from avatar_creator.jobs.models import WorkerProcess
from avatar_creator.settings import Settings


def worker_check(database: Database, settings: Settings) -> Check:
    def check() -> CheckResult:
        with database.session(write=False) as session:
            processes, threads = session.execute(
                select(func.count(), func.coalesce(func.sum(WorkerProcess.concurrency), 0))
                .where(WorkerProcess.heartbeat_at > db_now(-settings.lease_seconds))
            ).one()
        if processes:
            return CheckResult(True, f"{processes} worker process{'es' if processes > 1 else ''} alive "
                                     f"({threads} threads), heartbeat within {settings.lease_seconds:g} s")
        return CheckResult(
            False, f"no worker heartbeat in the last {settings.lease_seconds:g} s: generations wait, then fail "
                   f"with NO_WORKER after {settings.max_queue_wait:g} s",
            fix="Run 'avatar-creator serve' without --no-worker, or start 'avatar-creator worker' on a host that "
                "reaches this database (and Redis, when AVATAR_REDIS_URL is set).")
    return check
