"""Health checks in one registry: readiness (``/health/ready``) and ``avatar-creator doctor`` run the same ones."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlalchemy import text

from avatar_creator.db import Database
from avatar_creator.settings import Settings
from avatar_creator.storage import Storage, StorageUnavailable


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str
    fix: str = ""
    latency_ms: float = 0.0

    def to_api(self) -> dict:
        data = asdict(self)
        return {"ok": data["ok"], "detail": data["detail"], "latencyMs": round(data["latency_ms"], 2),
                "fix": data["fix"] or None}


Check = Callable[[], CheckResult]


class HealthRegistry:
    """Named checks; a failing *gating* check makes the service not ready (503), the others are only reported."""

    def __init__(self) -> None:
        self._checks: dict[str, tuple[Check, bool]] = {}

    def register(self, name: str, check: Check, *, gating: bool) -> None:
        self._checks[name] = (check, gating)

    def run(self) -> tuple[bool, dict[str, CheckResult]]:
        results: dict[str, CheckResult] = {}
        ready = True
        for name, (check, gating) in self._checks.items():
            started = time.perf_counter()
            try:
                result = check()
            except Exception as error:  # a check must report, never crash readiness
                result = CheckResult(False, f"check raised {type(error).__name__}: {error}")
            results[name] = CheckResult(result.ok, result.detail, result.fix,
                                        result.latency_ms or (time.perf_counter() - started) * 1000)
            ready = ready and (result.ok or not gating)
        return ready, results


def database_check(database: Database) -> Check:
    def check() -> CheckResult:
        try:
            with database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:
            return CheckResult(False, f"cannot reach the database: {type(error).__name__}: {_first_line(error)}",
                               fix="Check AVATAR_DATABASE_URL and that the database server is running and reachable.")
        return CheckResult(True, f"{database.engine.dialect.name} reachable")
    return check


def redis_check(settings: Settings) -> Check:
    without_redis = {"memory": "rate limits are counted in each process until it is back",
                     "refuse": "rate-limited requests answer 503 until it is back"}[settings.rate_limits_without_redis]

    def check() -> CheckResult:
        if not settings.redis_url:
            return CheckResult(True, "not configured (embedded mode: wake-ups and events stay in this process)")
        import redis

        try:
            client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
            client.ping()
            client.close()
        except Exception as error:
            return CheckResult(False, f"cannot reach Redis: {type(error).__name__}; {without_redis}",
                               fix="Check AVATAR_REDIS_URL and that the Redis server is running and reachable.")
        return CheckResult(True, "reachable")
    return check


def storage_check(storage: Storage) -> Check:
    def check() -> CheckResult:
        try:
            return CheckResult(True, storage.verify())
        except StorageUnavailable as error:
            return CheckResult(False, str(error), fix=error.fix)
    return check


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
