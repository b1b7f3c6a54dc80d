""""Delete my account": every row and every file of the user goes; nothing is cancelled or refunded first, since the
account the refunds would go to is gone.

Every table's ``user_id`` references ``users.id`` with ``ON DELETE CASCADE``, so removing the user's row removes the
rest in the same transaction. A worker still running one of the user's generations changes nothing afterwards: each of
its writes is fenced on the generation's row (``jobs.queue``), which no longer exists, so it writes no avatar and no
file; the event of its claim fails on the missing user and is only logged.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from avatar_creator.auth import accounts, service
from avatar_creator.auth.models import User
from avatar_creator.auth.passwords import Passwords
from avatar_creator.avatars import files
from avatar_creator.avatars.models import Avatar
from avatar_creator.db import Database
from avatar_creator.errors import ValidationFailed
from avatar_creator.events.broadcast import Broadcaster
from avatar_creator.generation.models import Generation
from avatar_creator.ratelimit import RateLimiter
from avatar_creator.storage import Storage, owner_of


def delete_account(*, database: Database, storage: Storage, broadcaster: Broadcaster, passwords: Passwords,
                   limiter: RateLimiter, user: User, password: str, confirm_email: str) -> None:
    """Remove the signed-in user's account, once they gave their password and typed their email."""
    accounts.check_own_password(passwords=passwords, limiter=limiter, user=user, password=password, field="password")
    if confirm_email.strip().lower() != user.email:
        raise ValidationFailed("confirmEmail: type the email of this account to confirm", field="confirmEmail")
    with database.session() as session:
        remove_user(session=session, storage=storage, broadcaster=broadcaster, user_id=user.id)


def remove_user(*, session: Session, storage: Storage, broadcaster: Broadcaster, user_id: str) -> None:
    """Delete the user's row (and so every row of theirs), end their sessions and streams, and remove their files
    once this commits."""
    # Generations first, then the user: the order a worker's finish locks them in, so the two cannot deadlock.
    session.scalars(select(Generation.id).where(Generation.user_id == user_id).order_by(Generation.id)
                    .with_for_update()).all()
    if session.scalar(select(User.id).where(User.id == user_id).with_for_update()) is None:
        return
    keys: set[str] = set()
    for storage_key, thumbnail_key in session.execute(
            select(Avatar.storage_key, Avatar.thumbnail_key).where(Avatar.user_id == user_id)):
        keys.update((storage_key, thumbnail_key))
    for options in session.scalars(select(Generation.options).where(Generation.user_id == user_id)):
        reference = (options or {}).get("reference_key")
        if reference and owner_of(reference) == user_id:  # an uploaded reference; never another user's file
            keys.add(reference)
    service.end_sessions(session=session, broadcaster=broadcaster, user_id=user_id)
    session.execute(delete(User).where(User.id == user_id))
    files.delete_after_commit(session=session, storage=storage, keys=sorted(keys))
