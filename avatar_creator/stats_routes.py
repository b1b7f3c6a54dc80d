"""``GET …/stats``: the dashboard's numbers, across avatars, projects, generations and credits."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from avatar_creator.avatars import usage
from avatar_creator.avatars.schemas import avatar_to_api
from avatar_creator.deps import CurrentUser, SessionDep
from avatar_creator.generation import service as generation_service
from avatar_creator.generation.pricing import costs
from avatar_creator.platform_routes import providers
from avatar_creator.projects.models import Project

router = APIRouter(tags=["stats"])


def project_count(*, session: Session, user_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Project).where(Project.user_id == user_id))


@router.get("/api/apps/avatar-creator/stats")
def stats(request: Request, user: CurrentUser, session: SessionDep) -> dict:
    totals = usage.totals(session=session, user_id=user.id)
    top = usage.top_used(session=session, user_id=user.id)
    return {
        "stats": {
            "totalAvatars": totals["avatars"],
            "totalProjects": project_count(session=session, user_id=user.id),
            "recentUploads": totals["recent"],  # avatars added in the last 7 days
            "totalUsage": totals["usage"],
            "averageUsage": round(totals["usage"] / totals["avatars"], 2) if totals["avatars"] else 0,
            "topUsedAvatars": [avatar_to_api(avatar, request.app.state.file_url) for avatar in top],
            "generations": generation_service.counts_by_status(session=session, user_id=user.id),
        },
        "creditBalance": user.credit_balance,
        "costs": costs(request.app.state.settings),
        **providers(request),
    }
