"""The queue overview: failures by code over 24 h, outcomes per hour, and the chart drawn from them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from avatar_creator.admin import queue
from avatar_creator.admin.chart import hourly_chart
from avatar_creator.db import utcnow
from avatar_creator.generation.models import Generation
from tests.support.admin import register_admin
from tests.support.factories import create_project, generate, register


def _finish(app, generation_id: str, *, status: str, hours_ago: float, error_code: str | None = None) -> None:
    with app.state.database.session() as session:
        session.execute(update(Generation).where(Generation.id == generation_id).values(
            status=status, error_code=error_code, completed_at=utcnow() - timedelta(hours=hours_ago)))


def test_failures_and_outcomes_count_the_last_24_hours_by_hour(client, app):
    admin = register_admin(client, app)
    user = register(client)
    project = create_project(client, user["headers"])["id"]
    ids = [generation["id"] for generation in generate(client, user["headers"], project, count=4)["generations"]]
    _finish(app, ids[0], status="failed", hours_ago=0, error_code="PROVIDER_TIMEOUT")
    _finish(app, ids[1], status="failed", hours_ago=30, error_code="PROVIDER_AUTH")  # older than a day
    _finish(app, ids[2], status="completed", hours_ago=2)

    answer = client.get("/api/admin/queue", headers=admin["headers"]).json()
    assert answer["counts"] == {"pending": 1, "processing": 0, "completed": 1, "failed": 2, "cancelled": 0}
    assert answer["failuresByCode"] == {"PROVIDER_TIMEOUT": 1}
    failed = client.get("/api/admin/generations", params={"errorCode": "PROVIDER_AUTH"},
                        headers=admin["headers"]).json()["generations"]
    assert [generation["id"] for generation in failed] == [ids[1]]

    with app.state.database.session(write=False) as session:
        overview = queue.overview(session=session)
    assert len(overview.hours) == 24 and overview.hours[-1] <= utcnow() < overview.hours[-1] + timedelta(hours=1)
    assert overview.by_hour["failed"][23] == 1 and sum(overview.by_hour["failed"]) == 1
    assert overview.by_hour["completed"][21] == 1 and sum(overview.by_hour["completed"]) == 1
    chart = str(hourly_chart(overview))
    assert chart.startswith("<svg") and chart.count("<rect") == 2
    assert chart.count('class="bar-failed"') == 1 and chart.count('class="bar-completed"') == 1
    assert f"{overview.hours[23]:%H}:00 UTC: 0 completed, 1 failed, 0 cancelled" in chart
