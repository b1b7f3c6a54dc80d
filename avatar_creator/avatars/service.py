"""Avatars: plain functions on a session; the caller commits."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from avatar_creator.avatars.models import Avatar


def newest_by_project(*, session: Session, project_ids: list[str],
                      limit_per_project: int | None = None) -> tuple[dict[str, list[Avatar]], dict[str, int]]:
    """For each project: its avatars newest first (at most ``limit_per_project``) and its avatar count."""
    if not project_ids:
        return {}, {}
    counts = dict(session.execute(
        select(Avatar.project_id, func.count()).where(Avatar.project_id.in_(project_ids)).group_by(Avatar.project_id)
    ).all())
    query = select(Avatar).where(Avatar.project_id.in_(project_ids))
    if limit_per_project is not None:
        rank = func.row_number().over(partition_by=Avatar.project_id,
                                      order_by=(Avatar.created_at.desc(), Avatar.id)).label("rank")
        ranked = select(Avatar.id, rank).where(Avatar.project_id.in_(project_ids)).subquery()
        query = query.join(ranked, ranked.c.id == Avatar.id).where(ranked.c.rank <= limit_per_project)
    avatars: dict[str, list[Avatar]] = defaultdict(list)
    for avatar in session.scalars(query.order_by(Avatar.created_at.desc(), Avatar.id)):
        avatars[avatar.project_id].append(avatar)
    return avatars, counts
