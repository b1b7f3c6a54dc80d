"""The old React frontend's last calls: the credits history as a bare array, the monthly dashboard numbers, the apps
list's icon and colour, and the browser's error reports."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from avatar_creator.auth.models import User
from avatar_creator.credits import service as credits_service
from avatar_creator.credits.models import CreditTransaction
from avatar_creator.dashboard import month_of
from avatar_creator.db import Database
from tests.support.factories import create_project, generate, register, wait_for_generations
from tests.support.jobs import running_service
from tests.support.load import deployment, sign_up
from tests.support.uploads import create_avatar

REPORTS = ("/api/logs/frontend-error", "/api/logs/unhandled-rejection")
CLIENT_LOG = "avatar_creator.client_logs"


def test_the_four_calls_answer_the_shapes_the_old_frontend_reads(tmp_path, database_url):
    with running_service(tmp_path, database_url, workers=1) as client:
        user = register(client)
        headers = user["headers"]
        project = create_project(client, headers)
        create_project(client, headers, name="Second")
        create_avatar(client, user, project["id"])  # 2 credits
        made = generate(client, headers, project["id"])["generation"]  # 10 credits
        assert wait_for_generations(client, headers, [made["id"]])[0]["status"] == "completed"

        history = client.get("/api/credits/history", headers=headers)
        assert history.status_code == 200
        rows = history.json()
        assert isinstance(rows, list)  # bare: the Credits page calls .map on the body
        assert [(row["type"], row["amount"], row["balanceAfter"]) for row in rows] == [
            ("usage", -10, 88), ("usage", -2, 98), ("bonus", 100, 100)]
        assert set(rows[0]) == {"id", "amount", "balanceAfter", "type", "description", "referenceType",
                                "referenceId", "createdAt"}
        assert len(client.get("/api/credits/history?limit=2", headers=headers).json()) == 2

        dashboard = client.get("/api/stats/dashboard", headers=headers)
        assert dashboard.status_code == 200
        body = dashboard.json()
        stats = body["data"]
        assert body["success"] is True
        assert {key: value for key, value in body.items() if key not in ("success", "data")} == stats
        assert (stats["totalSpending"], stats["totalWorks"], stats["totalProjects"]) == (12, 1, 2)
        start, end = (datetime.fromisoformat(stats[key]) for key in ("periodStart", "periodEnd"))
        last_login = datetime.fromisoformat(stats["lastLogin"])
        assert start <= last_login < end and start.day == 1 and end.day == 1
        assert start <= datetime.now(UTC) < end

        app = client.get("/api/apps").json()["apps"][0]
        assert (app["appId"], app["icon"], app["color"]) == ("avatar-creator", "user-circle", "purple")
        assert app["beta"] is False and app["comingSoon"] is False and isinstance(app["order"], int)

        for path in REPORTS:
            assert client.post(path, json={"errors": [{"message": "boom"}], "batch": False},
                               headers=headers).status_code == 204


def test_bad_input_is_a_clear_4xx(client):
    for path in ("/api/credits/history", "/api/stats/dashboard"):
        assert client.get(path).status_code == 401
    user = register(client)
    for limit in ("0", "201", "many"):
        answer = client.get(f"/api/credits/history?limit={limit}", headers=user["headers"])
        assert answer.status_code == 400 and answer.json()["error"]["field"] == "limit"
    assert client.post("/api/stats/dashboard", headers=user["headers"]).status_code == 405
    assert client.get(REPORTS[0]).status_code == 405


def test_spending_nets_refunds_counts_only_this_month_and_never_goes_below_zero(database_url):
    database = Database(database_url, pool_size=2)
    now = datetime.now(UTC)
    start, end = month_of(now)
    with database.session() as session:
        user_id = register_in(session)
        credits_service.grant(session=session, user_id=user_id, amount=100, description="start")
        for index in range(3):
            credits_service.debit(session=session, user_id=user_id, cost=10, description="work",
                                  reference_type="test", reference_id=str(index))
        credits_service.refund(session=session, user_id=user_id, amount=10, description="refund",
                               reference_type="test", reference_id="0")
        assert credits_service.spent(session=session, user_id=user_id, since=start, until=end) == 20
        # A charge from last month, refunded this month: last month spent it, this month only gets it back.
        session.execute(update(CreditTransaction).where(CreditTransaction.type == "usage")
                        .values(created_at=start - timedelta(seconds=1)))
        assert credits_service.spent(session=session, user_id=user_id, since=start, until=end) == 0
        last_month = month_of(start - timedelta(seconds=1))
        assert credits_service.spent(session=session, user_id=user_id, since=last_month[0],
                                     until=last_month[1]) == 30
    database.dispose()


def register_in(session) -> str:
    user = User(email="spender@example.com", password_hash="x", credit_balance=0, storage_used=0, storage_quota=1)
    session.add(user)
    session.flush()
    return user.id


def test_a_month_is_half_open_and_december_rolls_over():
    assert month_of(datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)) == (
        datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert month_of(datetime(2027, 1, 1, tzinfo=UTC))[0] == datetime(2027, 1, 1, tzinfo=UTC)


def test_reports_are_logged_with_the_user_and_without_credentials(client, caplog):
    user = register(client)
    token = user["token"]
    report = {"errors": [{"message": "boom\nFAKE LINE", "url": "/x?token=secret123&sig=abc",
                          "headers": {"Authorization": f"Bearer {token}"}}], "batch": False}
    with caplog.at_level(logging.WARNING, logger=CLIENT_LOG):
        assert client.post(REPORTS[0], json=report, headers=user["headers"]).status_code == 204
        # Text nothing could store is refused before the route, as on every route (request_limits)
        refused = client.post(REPORTS[1], content=rb'{"reason": "nul \u0000 and \ud800"}')
        assert (refused.status_code, refused.json()["error"]["field"]) == (400, "reason")
        assert client.post(REPORTS[1], json={"reason": "a\tb"}).status_code == 204
    signed_in, anonymous = [record for record in caplog.records if record.name == CLIENT_LOG]
    assert signed_in.levelno == logging.WARNING
    line = signed_in.getMessage()
    assert f"user {user['user']['id']}" in line and "frontend-error" in line and "boom" in line
    assert token not in line and "secret123" not in line and "\n" not in line
    assert "unhandled-rejection" in anonymous.getMessage() and "anonymous" in anonymous.getMessage()
    assert anonymous.getMessage().isascii() and "\\t" in anonymous.getMessage()


@pytest.mark.parametrize("path", REPORTS)
def test_reports_are_capped_at_16_kib_while_streaming_and_must_be_json_objects(client, caplog, path):
    fits = json.dumps({"message": "x" * (16 * 1024 - 20)}).encode()
    assert len(fits) <= 16 * 1024
    with caplog.at_level(logging.WARNING, logger=CLIENT_LOG):
        assert client.post(path, content=fits).status_code == 204
        caplog.clear()
        too_large = client.post(path, content=b"{" + b" " * (16 * 1024) + b"}")
        assert too_large.status_code == 413 and too_large.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
        # No Content-Length: the limit is counted while the chunks arrive.
        streamed = client.post(path, content=(b" " * 4096 for _ in range(100)))
        assert streamed.status_code == 413
        for bad in (b"", b"not json", b"[1, 2]", b"\"text\"", b"{\"a\": \"\xff\"}"):
            answer = client.post(path, content=bad)
            assert answer.status_code == 400, bad
            assert answer.json()["error"] == {"code": "VALIDATION_ERROR", "field": "body",
                                              "message": "body: send the report as a JSON object"}
    assert [record for record in caplog.records if record.name == CLIENT_LOG] == []


def test_reports_are_rate_limited_per_address_and_per_user(tmp_path, database_url):
    with running_service(tmp_path, database_url, rate_limits="on", rate_limit_client_logs="3/minute") as client:
        for _ in range(3):
            assert client.post(REPORTS[0], json={}).status_code == 204
        limited = client.post(REPORTS[1], json={})
        assert limited.status_code == 429 and limited.headers["Retry-After"]
        assert limited.json()["error"]["code"] == "RATE_LIMITED"
        user = register(client)  # the signed-in user counts on their own, not on the address's
        answer = client.post(REPORTS[0], json={}, headers=user["headers"])
        assert answer.status_code == 204 and answer.headers["X-RateLimit-Remaining"] == "2"


def test_a_real_serve_logs_a_burst_of_reports_up_to_the_limit(tmp_path, database_url):
    with deployment(tmp_path / "data", database_url, rate_limits="on", rate_limit_client_logs="30/minute",
                    max_requests_per_client=64) as served:
        user = sign_up(served.base_url, "reporter@example.com")

        async def burst() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=served.base_url, headers=user.headers, timeout=30) as http:
                return await asyncio.gather(*(http.post(REPORTS[index % 2], json={"errors": [{"message": str(index)}]})
                                              for index in range(40)))

        answers = asyncio.run(burst())
        assert Counter(answer.status_code for answer in answers) == {204: 30, 429: 10}
        with httpx.Client(base_url=served.base_url, timeout=30) as http:  # no Content-Length: counted as it streams
            assert http.post(REPORTS[0], content=(b" " * 4096 for _ in range(64))).status_code == 413
        log = served.processes[0].log_path.read_text()
        lines = [line for line in log.splitlines() if " browser " in line]
        assert len(lines) == 30 and all("WARNING" in line and f"from user {user.user_id}:" in line for line in lines)
        assert user.token not in log
