"""A request that cannot get a connection or a lock in time answers 503 with ``Retry-After`` quickly, never a 500
and never a 30 s hang: the pool, SQLite's write lock, PostgreSQL's lock_timeout and statement_timeout."""

from __future__ import annotations

import sqlite3
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from avatar_creator.app import create_app
from avatar_creator.db import Database, Timeouts
from avatar_creator.jobs import queue
from tests.support.factories import GENERATE_BODY, create_project, register
from tests.support.load import locked_user_row
from tests.support.settings import make_settings

pytestmark = pytest.mark.serial

PROJECTS = "/api/apps/avatar-creator/projects"
BUSY = {"success": False,
        "error": {"code": "SERVICE_UNAVAILABLE", "message": "The service is busy; try again shortly."}}


def _assert_quick_503(response, started: float, within: float) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == BUSY
    assert response.headers["retry-after"] == "1"
    assert time.monotonic() - started < within


def test_an_empty_pool_answers_503_within_the_pool_timeout(tmp_path, database_url, caplog):
    settings = make_settings(tmp_path, database_url, db_pool_size=1, db_pool_timeout_seconds=0.2)
    with TestClient(create_app(settings)) as client:
        user = register(client)
        with client.app.state.database.engine.connect():  # the only connection, held
            started = time.monotonic()
            response = client.get("/api/auth/me", headers=user["headers"])
        _assert_quick_503(response, started, within=2)
        assert client.get("/api/auth/me", headers=user["headers"]).status_code == 200  # and back once it is free
    warnings = [r for r in caplog.records if r.name == "avatar_creator.errors" and r.levelname == "WARNING"]
    assert [r.getMessage() for r in warnings] == [
        "database busy (no free connection) on GET /api/auth/me: answered 503"]
    assert user["token"] not in caplog.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_web_page_says_so_in_html_with_the_same_retry_after(tmp_path, database_url):
    settings = make_settings(tmp_path, database_url, db_pool_size=1, db_pool_timeout_seconds=0.2)
    with TestClient(create_app(settings)) as client:
        signed_up = client.post("/api/auth/register", json={"email": "web@example.com", "password": "p" * 12})
        assert signed_up.status_code == 201 and client.cookies.get("avatar_session")
        with client.app.state.database.engine.connect():
            page = client.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 503 and page.headers["retry-after"] == "1"
    assert page.headers["content-type"].startswith("text/html") and "Unavailable for a moment" in page.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_answers_503_when_the_write_lock_stays_taken(tmp_path, database_url):
    settings = make_settings(tmp_path, database_url, db_busy_timeout_seconds=0.2)
    with TestClient(create_app(settings)) as client:
        user = register(client)
        holder = sqlite3.connect(make_url(database_url).database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process writing, and stalled
        try:
            started = time.monotonic()
            response = client.post(PROJECTS, json={"name": "Blocked"}, headers=user["headers"])
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        _assert_quick_503(response, started, within=2)
        create_project(client, user["headers"])


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_answers_503_when_a_row_stays_locked(tmp_path, database_url):
    settings = make_settings(tmp_path, database_url, db_lock_timeout_seconds=0.3)
    with TestClient(create_app(settings)) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        with locked_user_row(database_url, user["user"]["id"]):
            started = time.monotonic()
            response = client.post(f"{PROJECTS}/{project['id']}/avatars/generate", headers=user["headers"],
                                   json={**GENERATE_BODY, "count": 1})
        _assert_quick_503(response, started, within=3)
        assert client.get("/api/credits/balance", headers=user["headers"]).json()["data"]["balance"] == 100


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_every_postgres_connection_gets_the_timeouts(database_url):
    database = Database(database_url, timeouts=Timeouts(lock=1.5, statement=20, idle_in_transaction=7))
    with database.engine.connect() as connection:
        shown = [connection.execute(text(f"SHOW {name}")).scalar()
                 for name in ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")]
    database.dispose()
    assert shown == ["1500ms", "20s", "7s"]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_statement_past_statement_timeout_is_cancelled(database_url):
    database = Database(database_url, timeouts=Timeouts(statement=0.2))
    started = time.monotonic()
    with pytest.raises(Exception) as raised, database.engine.connect() as connection:
        connection.execute(text("SELECT pg_sleep(5)"))
    database.dispose()
    assert type(raised.value.orig).__name__ == "QueryCanceled"
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_skippable_write_waits_less_for_locks_than_the_setting(database_url):
    database = Database(database_url, timeouts=Timeouts(lock=2.0))
    with database.session() as session:
        queue.give_up_waiting_after(session, 50)
        assert session.execute(text("SHOW lock_timeout")).scalar() == "50ms"
    with database.session() as session:  # only for that transaction
        assert session.execute(text("SHOW lock_timeout")).scalar() == "2s"
    database.dispose()


def test_the_pools_and_waits_come_from_the_settings(tmp_path, database_url):
    settings = make_settings(tmp_path, database_url, db_pool_size=7, db_pool_timeout_seconds=0.3,
                             db_busy_timeout_seconds=4)
    requests, jobs = Database.for_requests(settings), Database.for_jobs(settings, workers=3)
    try:
        assert (requests.engine.pool.size(), requests.engine.pool.timeout()) == (7, 0.3)
        assert jobs.engine.pool.size() == 2 * 3 + 5  # each worker, its claim's event, heartbeat, reaper, watchers
        with requests.engine.connect() as connection:
            if requests.is_sqlite:
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 4000
            else:
                assert connection.execute(text("SHOW lock_timeout")).scalar() == "1s"
    finally:
        requests.dispose()
        jobs.dispose()
