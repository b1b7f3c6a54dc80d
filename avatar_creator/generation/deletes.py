"""Deleting a project or an avatar: work in flight on it is cancelled and refunded first, then its files and rows go.

These cross three domains (generations, avatars, projects), so they live here, above them, where the API and the web
app both call them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from avatar_creator import events
from avatar_creator.avatars import service as avatars_service
from avatar_creator.generation import lifecycle
from avatar_creator.jobs.queue import Signals
from avatar_creator.projects import service as projects_service
from avatar_creator.storage import Storage


def delete_project(*, session: Session, storage: Storage, signals: Signals, user_id: str,
                   project_id: str) -> None:
    """Cancel and refund the project's pending and processing work, remove its avatars' files, then the project."""
    lifecycle.cancel_for_project(session=session, user_id=user_id, project_id=project_id, signals=signals)
    avatars_service.delete_for_project(session=session, storage=storage, user_id=user_id, project_id=project_id)
    projects_service.delete_owned(session=session, user_id=user_id, project_id=project_id)


def delete_avatar(*, session: Session, storage: Storage, signals: Signals, user_id: str, avatar_id: str) -> None:
    """Cancel and refund work made from the avatar, remove it and its files, and tell the user's other tabs."""
    lifecycle.cancel_for_avatar(session=session, user_id=user_id, avatar_id=avatar_id, signals=signals)
    avatars_service.delete_owned(session=session, storage=storage, user_id=user_id, avatar_id=avatar_id)
    signals.events.record(session, user_id, events.AVATAR, {"action": "deleted", "id": avatar_id})
