"""Accounts and sessions: plain functions on a SQLAlchemy session; the caller commits."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from avatar_creator.auth.models import ROLES, AuthSession, User
from avatar_creator.auth.passwords import Passwords
from avatar_creator.credits import service as credits_service
from avatar_creator.db import after_commit, utcnow
from avatar_creator.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from avatar_creator.events.broadcast import Broadcaster

BAD_CREDENTIALS = "Email or password is incorrect."


@dataclass(frozen=True)
class IssuedSession:
    """A new login: the raw token goes to the client once and is never stored."""

    user: User
    token: str
    csrf_token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token_for(token: str, *, secret: bytes) -> str:
    """The CSRF token is bound to the session: an HMAC of its token, so it needs no storage."""
    return hmac.new(secret, b"csrf:" + token_hash(token).encode(), hashlib.sha256).hexdigest()


def create_user(*, session: Session, email: str, password_hash: str, name: str | None, storage_quota: int,
                welcome_bonus: int, role: str = "user") -> User:
    """Create an account with its welcome bonus; an email already taken (in any letter case) is a conflict.

    The password comes hashed: hashing is slow and must not happen inside the write transaction.
    """
    if role not in ROLES:
        raise ValidationFailed(f"role: must be one of {', '.join(ROLES)}", field="role")
    user = User(email=email.strip().lower(), name=name or None, password_hash=password_hash, role=role,
                credit_balance=0, storage_used=0, storage_quota=storage_quota)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError as error:
        raise Conflict("An account with this email already exists.", field="email") from error
    if welcome_bonus:
        credits_service.grant(session=session, user_id=user.id, amount=welcome_bonus, type="bonus",
                              description="Welcome bonus")
    return user


def find_by_email(*, session: Session, email: str) -> User | None:
    """The account with this email (in any letter case), or None."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def check_password(*, passwords: Passwords, user: User | None, password: str) -> User:
    """``user`` if ``password`` is theirs; unknown emails cost the same hash time and get the same message."""
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        raise Unauthorized(BAD_CREDENTIALS)
    if user.disabled_at is not None:  # told only to whoever knows the password
        raise Unauthorized("This account is disabled; ask the operator of this service.")
    return user


def start_session(*, session: Session, user: User, ttl: timedelta, secret: bytes,
                  user_agent: str | None = None) -> IssuedSession:
    """Open a server-side session and return its one-time token."""
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(user_id=user.id, token_hash=token_hash(token), expires_at=utcnow() + ttl,
                            user_agent=(user_agent or "")[:200] or None))
    session.flush()
    return IssuedSession(user=user, token=token, csrf_token=csrf_token_for(token, secret=secret))


def user_for_token(*, session: Session, token: str) -> User:
    """The user a live session token belongs to, else ``Unauthorized``."""
    row = session.execute(
        select(User, AuthSession.expires_at)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.token_hash == token_hash(token))
    ).first()
    if row is None or row.expires_at <= utcnow() or row.User.disabled_at is not None:
        raise Unauthorized("Your session has expired or was signed out; sign in again.")
    return row.User


def live_session(*, session: Session, token: str | None = None, session_id: str | None = None) -> AuthSession:
    """The unexpired session with this token (or this id), else ``Unauthorized``."""
    which = AuthSession.id == session_id if token is None else AuthSession.token_hash == token_hash(token)
    found = session.scalar(select(AuthSession).where(which))
    if found is None or found.expires_at <= utcnow():
        raise Unauthorized("Your session has expired or was signed out; sign in again.")
    return found


def end_session(*, session: Session, broadcaster: Broadcaster, token: str) -> None:
    """Revoke a session at once: its token and stream tickets stop working (both need the session), and once this
    commits its open event streams end on every process. Every way of ending a session goes through here."""
    found = session.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash(token)))
    if found is not None:
        _end(session, broadcaster, found)


def end_user_sessions(*, session: Session, broadcaster: Broadcaster, user_id: str) -> None:
    """Revoke every session of the user (a disabled or deleted account), each as ``end_session`` does."""
    for found in session.scalars(select(AuthSession).where(AuthSession.user_id == user_id)).all():
        _end(session, broadcaster, found)


def _end(session: Session, broadcaster: Broadcaster, found: AuthSession) -> None:
    user_id, session_id = found.user_id, found.id
    session.execute(delete(AuthSession).where(AuthSession.id == session_id))
    after_commit(session, lambda: broadcaster.end_session_streams(user_id, session_id))


def get_by_email(*, session: Session, email: str) -> User:
    user = find_by_email(session=session, email=email)
    if user is None:
        raise NotFound(f"No user with email {email}.")
    return user


def list_users(*, session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.created_at)))


def set_role(*, session: Session, email: str, role: str) -> User:
    if role not in ROLES:
        raise ValidationFailed(f"role: must be one of {', '.join(ROLES)}", field="role")
    user = get_by_email(session=session, email=email)
    session.execute(update(User).where(User.id == user.id).values(role=role))
    session.refresh(user)
    return user
