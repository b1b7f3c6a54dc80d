"""Uploading a photo as an avatar: the one sequence the JSON API and the web app both run.

The image is decoded and normalised with no transaction open (it takes tens of milliseconds, and on SQLite a write
transaction holds the database's only write lock); then one short transaction takes the quota, the row and the
credits together, so a refusal keeps nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from avatar_creator import events, metrics
from avatar_creator.avatars import service
from avatar_creator.avatars.models import Avatar
from avatar_creator.credits import service as credits_service
from avatar_creator.db import Database
from avatar_creator.events import EventSink
from avatar_creator.imaging import process_upload
from avatar_creator.projects import service as projects_service
from avatar_creator.storage import Storage


@dataclass(frozen=True)
class Uploaded:
    avatar: Avatar
    credit_used: int
    credit_balance: int  # after this upload
    avatar_count: int  # the project's, this one included


def check_project(*, database: Database, user_id: str, project_id: str) -> None:
    """Someone else's (or no) project is refused in a short read, before its upload is read."""
    with database.session(write=False) as session:
        projects_service.get_owned(session=session, user_id=user_id, project_id=project_id)


def upload(*, database: Database, storage: Storage, event_sink: EventSink, user_id: str, project_id: str,
           image: bytes, fields: dict, cost: int) -> Uploaded:
    """Store ``image`` as a new avatar of the project, charged ``cost`` credits and counted against the quota."""
    processed = process_upload(image)
    with database.session() as session:
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
        _, counts = service.newest_by_project(session=session, project_ids=[project_id], limit_per_project=0)
    metrics.UPLOADS.inc()  # the transaction above has committed
    metrics.UPLOAD_BYTES.inc(len(image))
    return Uploaded(avatar=avatar, credit_used=cost, credit_balance=balance, avatar_count=counts[project_id])
