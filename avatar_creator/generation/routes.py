"""Generation routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from avatar_creator.deps import CurrentUser, SessionDep
from avatar_creator.generation.models import Generation

router = APIRouter(tags=["generation"])


@router.get("/api/generations/recent")
def recent_generations(user: CurrentUser, session: SessionDep,
                       limit: Annotated[int, Query(ge=1, le=50)] = 5) -> dict:
    rows = session.scalars(select(Generation).where(Generation.user_id == user.id)
                           .order_by(Generation.created_at.desc()).limit(limit))
    return {"generations": [{"id": g.id, "status": g.status, "prompt": g.prompt, "createdAt": g.created_at.isoformat()}
                            for g in rows]}
