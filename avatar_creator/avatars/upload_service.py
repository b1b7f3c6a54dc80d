"""Storing an uploaded photo: the one sequence the API and the web app both run."""

from __future__ import annotations

from sqlalchemy.orm import Session

from avatar_creator import events
from avatar_creator.avatars import service
from avatar_creator.avatars.models import Avatar
from avatar_creator.credits import service as credits_service
from avatar_creator.events import EventSink
from avatar_creator.imaging import ProcessedImage
from avatar_creator.storage import Storage


def store_upload(*, session: Session, storage: Storage, event_sink: EventSink, user_id: str, project_id: str,
                 processed: ProcessedImage, fields: dict, cost: int) -> tuple[Avatar, int]:
    """Take quota and credits and insert the avatar in the caller's transaction; returns it and the balance after."""
    avatar = service.add_avatar(
        session=session, storage=storage, user_id=user_id, project_id=project_id, image=processed.data,
        mime_type=processed.mime_type, width=processed.width, height=processed.height,
        thumbnail=processed.thumbnail, fields=fields, source_type="uploaded", generation_prompt=None,
        seed_used=None, provider=None, generation_params=None, enforce_quota=True)
    credits_service.debit(session=session, user_id=user_id, cost=cost, description=f"Upload: {avatar.name}",
                          reference_type="avatar", reference_id=avatar.id)
    balance = credits_service.balance(session=session, user_id=user_id)
    event_sink.record(session, user_id, events.AVATAR, {  # other tabs add the new card and the new balance
        "action": "created", "id": avatar.id, "projectId": project_id, "creditBalance": balance})
    return avatar, balance
