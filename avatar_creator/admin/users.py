"""An operator's work on accounts: find, give or take credits, disable, set the role, delete. Each change is audited
in its own transaction; plain functions on a session, the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from avatar_creator import events, paging
from avatar_creator.admin import audit
from avatar_creator.auth import deletion, tokens
from avatar_creator.auth import service as auth_service
from avatar_creator.auth.models import ROLES, ApiToken, AuthSession, User
from avatar_creator.credits import service as credits_service
from avatar_creator.credits.models import CreditTransaction
from avatar_creator.db import utcnow
from avatar_creator.errors import Conflict, NotFound, ValidationFailed
from avatar_creator.events.broadcast import Broadcaster
from avatar_creator.storage import Storage


@dataclass(frozen=True)
class Account:
    """A user as the admin area shows them: the row and when they were last seen (a sign-in or a token's use)."""

    user: User
    last_seen_at: datetime | None


def search(*, session: Session, q: str | None, limit: int, cursor: str | None) -> tuple[list[Account], str | None]:
    """Users whose email or name contains ``q`` (all without it), newest first, and the next page's cursor."""
    query = select(User)
    if q:
        pattern = paging.contains(q.strip().lower())
        query = query.where(or_(User.email.like(pattern, escape="\\"), User.name.ilike(pattern, escape="\\")))
    page, next_cursor = paging.newest_first(session=session, query=query, created_at=User.created_at, id=User.id,
                                            limit=limit, cursor=cursor)
    seen = _last_seen(session, [user.id for user in page])
    return [Account(user=user, last_seen_at=seen.get(user.id)) for user in page], next_cursor


def get(*, session: Session, user_id: str) -> Account:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found.")
    return Account(user=user, last_seen_at=_last_seen(session, [user_id]).get(user_id))


def emails(*, session: Session, user_ids: set[str]) -> dict[str, str]:
    """The email of each of these users that still exists."""
    return {user_id: email for user_id, email in session.execute(select(User.id, User.email)
                                                                 .where(User.id.in_(user_ids)))}


def change_credits(*, session: Session, signals_events: events.EventSink, actor_id: str, user_id: str, amount: int,
                   reason: str) -> CreditTransaction:
    """Grant (``amount`` > 0) or remove credits, with the reason in the ledger; the user's pages hear of it live."""
    get(session=session, user_id=user_id)
    if amount > 0:
        row = credits_service.grant(session=session, user_id=user_id, amount=amount, description=reason)
    elif amount < 0:
        row = credits_service.remove(session=session, user_id=user_id, amount=-amount, description=reason)
    else:
        raise ValidationFailed("amount: must not be 0", field="amount")
    audit.record(session=session, actor_id=actor_id, action="credits.grant" if amount > 0 else "credits.remove",
                 target_type="user", target_id=user_id,
                 details={"amount": amount, "reason": reason, "balanceAfter": row.balance_after})
    signals_events.record(session, user_id, events.CREDITS, {"balance": row.balance_after})
    return row


def set_role(*, session: Session, actor_id: str, user_id: str, role: str) -> None:
    """Make the user an admin or a user; the last admin stays one, so the area always has an operator."""
    if role not in ROLES:
        raise ValidationFailed(f"role: must be one of {', '.join(ROLES)}", field="role")
    user = get(session=session, user_id=user_id).user
    if user.role == role:
        return
    if user.role == "admin":
        # Locked, so two admins demoting each other at once cannot leave none.
        admins = session.scalars(select(User.id).where(User.role == "admin").with_for_update()).all()
        if set(admins) <= {user_id}:
            raise Conflict("This is the last admin: make someone else an admin first.", field="role")
    session.execute(update(User).where(User.id == user_id).values(role=role))
    audit.record(session=session, actor_id=actor_id, action="user.role", target_type="user", target_id=user_id,
                 details={"from": user.role, "to": role})


def set_disabled(*, session: Session, broadcaster: Broadcaster, actor_id: str, user_id: str, disabled: bool) -> None:
    """Disable (no sign-in; every session, stream and token ends with this commit) or enable the account again."""
    user = get(session=session, user_id=user_id).user
    if disabled == (user.disabled_at is not None):
        return
    if disabled and user_id == actor_id:
        raise Conflict("You cannot disable your own account.", field="disabled")
    session.execute(update(User).where(User.id == user_id).values(disabled_at=utcnow() if disabled else None))
    if disabled:
        auth_service.end_sessions(session=session, broadcaster=broadcaster, user_id=user_id)
        tokens.revoke_all(session=session, user_id=user_id)
    audit.record(session=session, actor_id=actor_id, action="user.disable" if disabled else "user.enable",
                 target_type="user", target_id=user_id, details={"email": user.email})


def delete_user(*, session: Session, storage: Storage, broadcaster: Broadcaster, actor_id: str, user_id: str) -> None:
    """Remove the account as "Delete my account" does (``auth.deletion.remove_user``), written to the audit log."""
    user = get(session=session, user_id=user_id).user
    if user_id == actor_id:
        raise Conflict("You cannot delete your own account here.")
    email = user.email
    deletion.remove_user(session=session, storage=storage, broadcaster=broadcaster, user_id=user_id)
    audit.record(session=session, actor_id=actor_id, action="user.delete", target_type="user", target_id=user_id,
                 details={"email": email})


def _last_seen(session: Session, user_ids: list[str]) -> dict[str, datetime]:
    """The latest sign-in or token use of each user."""
    seen: dict[str, datetime] = {}
    for column, owner in ((AuthSession.created_at, AuthSession.user_id), (ApiToken.last_used_at, ApiToken.user_id)):
        for user_id, latest in session.execute(select(owner, func.max(column)).where(owner.in_(user_ids))
                                               .group_by(owner)):
            if latest is not None and (user_id not in seen or latest > seen[user_id]):
                seen[user_id] = latest
    return seen
