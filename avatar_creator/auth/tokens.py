"""Personal API tokens: bearer credentials another app holds, limited to scopes; plain functions, the caller commits.

A token is shown once at creation; only its SHA-256 is stored, with a short visible prefix to tell tokens apart.
Tokens start with ``act_`` so a request's credential is looked up in this table rather than among sessions.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from avatar_creator.auth.models import ApiToken, User
from avatar_creator.auth.service import token_hash
from avatar_creator.db import utcnow
from avatar_creator.errors import Conflict, NotFound, Unauthorized

SCOPES = ("avatars:read", "avatars:usage", "generate")
TOKEN_PREFIX = "act_"
PREFIX_LENGTH = 12  # ``act_`` and 8 random characters: enough to recognise a token, useless to guess it
MAX_TOKENS = 50
LAST_USE_EVERY_S = 60  # a busy token writes its last use at most once a minute, not on every request


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` goes to the user once and is never stored."""

    token: ApiToken
    secret: str


@dataclass(frozen=True)
class LiveToken:
    """A valid token at the time of the request: whose it is and what it may do."""

    id: str
    user: User
    scopes: frozenset[str]
    last_used_at_stale: bool


def create(*, session: Session, user_id: str, name: str, scopes: list[str], expires_in_days: int | None
           ) -> IssuedToken:
    """A new token with these scopes (already validated), expiring after ``expires_in_days`` when given."""
    count = session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user_id)) or 0
    if count >= MAX_TOKENS:
        raise Conflict(f"You have {MAX_TOKENS} tokens already; revoke one you no longer use first.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(user_id=user_id, name=name, prefix=secret[:PREFIX_LENGTH], token_hash=token_hash(secret),
                     scopes=" ".join(scope for scope in SCOPES if scope in scopes), expires_at=expires_at)
    session.add(token)
    session.flush()
    return IssuedToken(token=token, secret=secret)


def list_for_user(*, session: Session, user_id: str) -> list[ApiToken]:
    """The user's tokens, newest first."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke(*, session: Session, user_id: str, token_id: str) -> None:
    """Delete one of the user's tokens: it stops working with this commit."""
    deleted = session.execute(delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id))
    if deleted.rowcount == 0:  # type: ignore[attr-defined]  # a DML result has rowcount
        raise NotFound("Token not found.")


def revoke_all(*, session: Session, user_id: str) -> None:
    """Delete every token of the user (a disabled account)."""
    session.execute(delete(ApiToken).where(ApiToken.user_id == user_id))


def is_token(secret: str) -> bool:
    return secret.startswith(TOKEN_PREFIX)


def live_token(*, session: Session, secret: str) -> LiveToken | None:
    """The unexpired token with this secret of an enabled user, else None (not a token: maybe a session)."""
    row = session.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                          .where(ApiToken.token_hash == token_hash(secret))).first()
    if row is None:
        return None
    token, user = row.ApiToken, row.User
    now = utcnow()
    if (token.expires_at is not None and token.expires_at <= now) or user.disabled_at is not None:
        raise Unauthorized("This API token has expired or its account is disabled.")
    stale = token.last_used_at is None or token.last_used_at <= now - timedelta(seconds=LAST_USE_EVERY_S)
    return LiveToken(id=token.id, user=user, scopes=frozenset(token.scopes.split()), last_used_at_stale=stale)


def touch(*, session: Session, token_id: str) -> None:
    """Record a use; conditional, so concurrent requests write it once a minute at most."""
    now = utcnow()
    session.execute(update(ApiToken).where(
        ApiToken.id == token_id,
        or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - timedelta(seconds=LAST_USE_EVERY_S)),
    ).values(last_used_at=now))
