"""Avatar usage by other apps: one row per use, a counter on the avatar, a history and a per-app summary."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from sqlalchemy import CursorResult, Row, func, select, update
from sqlalchemy.orm import Session

from avatar_creator.avatars.models import Avatar, AvatarUsage
from avatar_creator.db import utcnow
from avatar_creator.errors import NotFound

HISTORY_LIMIT = 50
TOP_USED = 5
RECENT_DAYS = 7


def record(*, session: Session, user_id: str, avatar_id: str, app_id: str, app_name: str, action: str,
           reference_id: str | None, reference_type: str | None, metadata: dict | None) -> AvatarUsage:
    """Record one use of the user's avatar: ``usageCount`` goes up by one and ``lastUsedAt`` is now."""
    now = utcnow()
    counted = cast(CursorResult, session.execute(
        update(Avatar).where(Avatar.id == avatar_id, Avatar.user_id == user_id)
        # A use is not an edit: updated_at keeps its value instead of taking the column's onupdate.
        .values(usage_count=Avatar.usage_count + 1, last_used_at=now, updated_at=Avatar.updated_at)
    ))
    if counted.rowcount == 0:
        raise NotFound("Avatar not found.")
    usage = AvatarUsage(avatar_id=avatar_id, user_id=user_id, app_id=app_id, app_name=app_name, action=action,
                        reference_id=reference_id, reference_type=reference_type, extra=metadata, created_at=now)
    session.add(usage)
    session.flush()
    return usage


def history(*, session: Session, avatar_id: str) -> list[AvatarUsage]:
    """The newest uses first, at most ``HISTORY_LIMIT``."""
    return list(session.scalars(
        select(AvatarUsage).where(AvatarUsage.avatar_id == avatar_id)
        .order_by(AvatarUsage.created_at.desc(), AvatarUsage.id.desc()).limit(HISTORY_LIMIT)
    ))


def summary(*, session: Session, avatar_id: str) -> list[Row]:
    """Per app: ``app_id``, ``app_name``, ``count`` of uses and ``last_used``; the most used app first."""
    return list(session.execute(
        select(AvatarUsage.app_id, func.max(AvatarUsage.app_name).label("app_name"), func.count().label("count"),
               func.max(AvatarUsage.created_at).label("last_used"))
        .where(AvatarUsage.avatar_id == avatar_id).group_by(AvatarUsage.app_id)
        .order_by(func.count().desc(), AvatarUsage.app_id)
    ))


def totals(*, session: Session, user_id: str) -> dict:
    """The user's avatar count, avatars created in the last ``RECENT_DAYS`` days and uses of all of them."""
    since = utcnow() - timedelta(days=RECENT_DAYS)
    row = session.execute(
        select(func.count().label("avatars"),
               func.coalesce(func.sum(Avatar.usage_count), 0).label("usage"),
               func.count().filter(Avatar.created_at >= since).label("recent"))
        .where(Avatar.user_id == user_id)
    ).one()
    return {"avatars": row.avatars, "usage": int(row.usage), "recent": row.recent}


def top_used(*, session: Session, user_id: str) -> list[Avatar]:
    """The user's most used avatars (used at least once), most used first."""
    return list(session.scalars(
        select(Avatar).where(Avatar.user_id == user_id, Avatar.usage_count > 0)
        .order_by(Avatar.usage_count.desc(), Avatar.last_used_at.desc(), Avatar.id).limit(TOP_USED)
    ))
