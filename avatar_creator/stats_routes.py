"""``GET …/stats``: the dashboard's numbers, across avatars, projects, generations and credits; and the old platform
dashboard's monthly numbers, ``GET /api/stats/dashboard``."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from avatar_creator import dashboard
from avatar_creator.avatars import usage
from avatar_creator.avatars.schemas import avatar_to_api
from avatar_creator.deps import CurrentUser, DatabaseDep, FileUrlsDep, ProviderNamesDep, SettingsDep
from avatar_creator.generation import service as generation_service
from avatar_creator.generation.pricing import costs
from avatar_creator.platform_routes import providers
from avatar_creator.projects.models import Project

router = APIRouter(tags=["stats"])


def project_count(*, session: Session, user_id: str) -> int:
    return session.execute(select(func.count()).select_from(Project).where(Project.user_id == user_id)).scalar_one()


@router.get("/api/apps/avatar-creator/stats")
def stats(user: CurrentUser, database: DatabaseDep, settings: SettingsDep, file_urls: FileUrlsDep,
          provider_names: ProviderNamesDep) -> dict:
    with database.session(write=False) as session:
        totals = usage.totals(session=session, user_id=user.id)
        top = usage.top_used(session=session, user_id=user.id)
        projects = project_count(session=session, user_id=user.id)
        generations = generation_service.counts_by_status(session=session, user_id=user.id)
    return {
        "stats": {
            "totalAvatars": totals["avatars"],
            "totalProjects": projects,
            "recentUploads": totals["recent"],  # avatars added in the last 7 days
            "totalUsage": totals["usage"],
            "averageUsage": round(totals["usage"] / totals["avatars"], 2) if totals["avatars"] else 0,
            "topUsedAvatars": [avatar_to_api(avatar, file_urls) for avatar in top],
            "generations": generations,
        },
        "creditBalance": user.credit_balance,
        "costs": costs(settings),
        **providers(provider_names, settings),
    }


@router.get("/api/stats/dashboard")
def dashboard_stats(user: CurrentUser, database: DatabaseDep) -> dashboard.DashboardReply:
    return dashboard.DashboardReply.of(dashboard.monthly_stats(database=database, user_id=user.id))
