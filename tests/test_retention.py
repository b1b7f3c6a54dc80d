"""Retention with a controllable clock: each rule removes what is past its age and nothing younger, and what live
features read survives (event replay within the window, a retry of a failed generation, avatars and their prompts)."""

from __future__ import annotations

import time
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from avatar_creator import retention
from avatar_creator.app import create_app
from avatar_creator.auth import accounts
from avatar_creator.auth.models import AccountLink, AuthSession, User
from avatar_creator.avatars.models import Avatar
from avatar_creator.credits.models import CreditTransaction
from avatar_creator.db import Database, utcnow
from avatar_creator.events import service as events_service
from avatar_creator.events.models import EventRecord
from avatar_creator.generation.models import Generation, IdempotencyKey
from avatar_creator.jobs.models import WorkerProcess
from avatar_creator.providers.base import PROVIDER_REFUSED, ProviderError
from avatar_creator.ratelimit import RateLimiter
from tests.support.factories import PASSWORD, create_project, generate, register, wait_for_generations
from tests.support.jobs import ScriptedProvider, running_service
from tests.support.settings import make_settings

KEPT = ("users", "avatars", "credit rows", "generations")


def counts(database: Database) -> dict[str, int]:
    with database.session(write=False) as session:
        return {name: session.scalar(select(func.count()).select_from(model)) for name, model in (
            ("users", User), ("avatars", Avatar), ("credit rows", CreditTransaction), ("generations", Generation),
            ("events", EventRecord), ("sessions", AuthSession), ("keys", IdempotencyKey),
            ("workers", WorkerProcess))}


def prompts(database: Database) -> dict[str, tuple[str, str | None, str | None]]:
    with database.session(write=False) as session:
        rows = session.scalars(select(Generation))
        return {row.id: (row.status, row.full_prompt, row.negative_prompt) for row in rows}


def test_each_rule_removes_only_what_is_past_its_age(tmp_path, database_url):
    settings = make_settings(tmp_path, database_url, workers=1, retention_generation_payload_days=90)
    provider = ScriptedProvider([ProviderError(PROVIDER_REFUSED, "refused")])  # the first job fails for good
    with running_service(tmp_path, database_url, providers={"offline": provider}, workers=1) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        failed = generate(client, user["headers"], project["id"])["generations"][0]["id"]
        wait_for_generations(client, user["headers"], [failed])
        completed = [g["id"] for g in generate(client, user["headers"], project["id"], count=2,
                                               extra_headers={"Idempotency-Key": "k-1"})["generations"]]
        done = wait_for_generations(client, user["headers"], [failed, *completed])
        assert [g["status"] for g in done] == ["failed", "completed", "completed"]
    started = utcnow()

    database = Database(database_url)
    try:
        before = counts(database)
        assert before["events"] > 0 and before["keys"] == 1 and before["sessions"] == 1
        with database.session() as session:  # a worker that stopped beating 22.5 hours on, never unregistered
            session.add(WorkerProcess(id="gone", hostname="h", host_key="k", pid=1, pid_started=0, concurrency=1,
                                      started_at=started, heartbeat_at=started + timedelta(hours=22.5)))
        with database.session(write=False) as session:
            events = events_service.replay(session=session, user_id=user["user"]["id"], after_id=0)

        # 23 hours on: everything is within its window; replay from the start still gives every event.
        removed = retention.run(database=database, settings=settings, now=started + timedelta(hours=23))
        assert set(removed.values()) == {0}, removed
        with database.session(write=False) as session:
            assert events_service.replay(session=session, user_id=user["user"]["id"], after_id=0) == events
        # 25 hours: events past the replay window, the day-old idempotency key and the silent worker go.
        removed = retention.run(database=database, settings=settings, now=started + timedelta(hours=25))
        assert removed == {"events past the replay window": before["events"], "expired sessions": 0,
                           "expired reset and verification links": 0, "idempotency keys older than a day": 1,
                           "prompts of completed generations": 0,
                           "workers silent for an hour": 1}
        # 31 days: the 30-day session has expired.
        removed = retention.run(database=database, settings=settings, now=started + timedelta(days=31))
        assert removed["expired sessions"] == 1 and sum(removed.values()) == 1
        # 91 days: the completed generations lose their prompts; the failed one keeps what a retry copies.
        kept_prompts = prompts(database)
        removed = retention.run(database=database, settings=settings, now=started + timedelta(days=91))
        assert removed["prompts of completed generations"] == 2 and sum(removed.values()) == 2
        after = prompts(database)
        assert after[failed] == kept_prompts[failed] and after[failed][1]
        assert all(after[g] == ("completed", None, None) for g in completed)
        assert {name: counts(database)[name] for name in KEPT} == {name: before[name] for name in KEPT}
        with database.session(write=False) as session:  # each avatar keeps its own copy of the prompts
            avatars = list(session.scalars(select(Avatar)))
        assert len(avatars) == 2 and all(kept_prompts[completed[0]][1] == a.generation_prompt for a in avatars)
        assert retention.run(database=database, settings=settings, now=started + timedelta(days=91)) == dict.fromkeys(
            removed, 0)  # a second run finds nothing
    finally:
        database.dispose()

    with TestClient(create_app(settings)) as client:  # the failed generation is still retried as it was
        login = client.post("/api/auth/login", json={"email": user["user"]["email"], "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['data']['token']}"}
        retried = client.post(f"/api/apps/avatar-creator/generations/{failed}/retry", headers=headers)
        assert retried.status_code == 202, retried.text
        assert retried.json()["generation"]["options"]["fullPrompt"] == kept_prompts[failed][1]


def test_stale_in_memory_rate_limit_counts_are_forgotten():
    limiter = RateLimiter(limits_by_name={"login": "2/minute"}, enabled=True)
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        limiter.hit("login", address)
    limiter.hit("login", "198.51.100.1")
    assert limiter.forget_stale(now=time.time()) == 0  # all within their minute
    assert limiter.forget_stale(now=time.time() + 61) == 3
    # Forgotten means counted afresh: two more logins pass where the old count would have refused the first.
    limiter.hit("login", "198.51.100.1")
    limiter.hit("login", "198.51.100.1")


def test_expired_reset_links_go_and_live_ones_stay(tmp_path, database_url):
    settings = make_settings(tmp_path, database_url)
    with TestClient(create_app(settings)):
        pass  # migrated
    database = Database(database_url)
    try:
        with database.session() as session:
            user = User(email="links@example.com", password_hash="x", storage_quota=1)
            session.add(user)
            session.flush()
            user_id = user.id
            live = accounts.reset_link(session=session, base_url="http://testserver", user_id=user_id)
        now = utcnow()
        assert retention.run(database=database, settings=settings, now=now)[
            "expired reset and verification links"] == 0
        # 31 minutes on, the 30-minute link has expired: it goes, and the link no longer resets anything.
        assert retention.run(database=database, settings=settings, now=now + timedelta(minutes=31))[
            "expired reset and verification links"] == 1
        with database.session(write=False) as session:
            assert session.scalar(select(func.count()).select_from(AccountLink)) == 0
        assert "token=" in live
    finally:
        database.dispose()
