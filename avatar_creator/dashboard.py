"""``GET /api/stats/dashboard``: the old platform dashboard's numbers for the current calendar month (UTC).

The month is the half-open interval ``[periodStart, periodEnd)``: ``periodEnd`` is the first instant of the next month.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from avatar_creator.auth.models import AuthSession
from avatar_creator.credits import service as credits_service
from avatar_creator.db import Database, utcnow
from avatar_creator.generation.models import Generation
from avatar_creator.projects.models import Project
from avatar_creator.schemas import ApiModel


class DashboardStats(ApiModel):
    total_spending: int  # credits spent this month, ≥ 0
    total_works: int  # generations completed this month
    total_projects: int  # projects created this month
    last_login: datetime | None  # the newest session's start; None only if the caller holds no session
    period_start: datetime
    period_end: datetime


class DashboardReply(DashboardStats):
    """The numbers under ``data`` and again at the top level, where the old dashboard reads them."""

    success: bool = True
    data: DashboardStats

    @classmethod
    def of(cls, stats: DashboardStats) -> DashboardReply:
        return cls(**dict(stats), data=stats)


def month_of(moment: datetime) -> tuple[datetime, datetime]:
    """The calendar month (UTC) holding ``moment``, as ``[start, end)``."""
    start = moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


def monthly_stats(*, database: Database, user_id: str, now: datetime | None = None) -> DashboardStats:
    """The caller's numbers for the month holding ``now`` (default: the current one), read in one short transaction."""
    start, end = month_of(now or utcnow())
    with database.session(write=False) as session:
        return DashboardStats(
            total_spending=credits_service.spent(session=session, user_id=user_id, since=start, until=end),
            total_works=_count(session, Generation, Generation.user_id == user_id, Generation.status == "completed",
                               Generation.completed_at >= start, Generation.completed_at < end),
            total_projects=_count(session, Project, Project.user_id == user_id,
                                  Project.created_at >= start, Project.created_at < end),
            last_login=session.scalar(select(func.max(AuthSession.created_at))
                                      .where(AuthSession.user_id == user_id)),
            period_start=start,
            period_end=end,
        )


def _count(session: Session, model: type, *conditions) -> int:
    return session.execute(select(func.count()).select_from(model).where(*conditions)).scalar_one()
