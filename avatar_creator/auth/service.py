"""Accounts and sessions: plain functions on a SQLAlchemy session; the caller commits."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from avatar_creator.auth.models import ROLES, AccountLink, AuthSession, User
from avatar_creator.auth.passwords import Passwords
from avatar_creator.credits import service as credits_service
from avatar_creator.db import after_commit, utcnow
from avatar_creator.errors import Conflict, EmailNotVerified, NotFound, Unauthorized, ValidationFailed
from avatar_creator.events.broadcast import Broadcaster

BAD_CREDENTIALS = "Email or password is incorrect."
SEEN_EVERY = timedelta(minutes=1)  # a session's last_seen_at is written at most this often
SIGNED_OUT = "Your session has expired or was signed out; sign in again."


@dataclass(frozen=True)
class IssuedSession:
    """A new login: the raw token goes to the client once and is never stored."""

    user: User
    token: str
    csrf_token: str


@dataclass(frozen=True)
class Caller:
    """Who a session token belongs to, and which session it is."""

    user: User
    session_id: str
    last_seen_at: datetime

    @property
    def seen_long_ago(self) -> bool:
        return self.last_seen_at <= utcnow() - SEEN_EVERY


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
                  user_agent: str | None = None, ip: str | None = None) -> IssuedSession:
    """Open a server-side session and return its one-time token."""
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(user_id=user.id, token_hash=token_hash(token), expires_at=utcnow() + ttl,
                            user_agent=(user_agent or "")[:200] or None, ip=(ip or "")[:45] or None))
    session.flush()
    return IssuedSession(user=user, token=token, csrf_token=csrf_token_for(token, secret=secret))


def caller_for_token(*, session: Session, token: str) -> Caller:
    """The user and session of a live session token, else ``Unauthorized``."""
    row = session.execute(
        select(User, AuthSession.id, AuthSession.expires_at, AuthSession.last_seen_at)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.token_hash == token_hash(token))
    ).first()
    if row is None or row.expires_at <= utcnow() or row.User.disabled_at is not None:
        raise Unauthorized(SIGNED_OUT)
    return Caller(user=row.User, session_id=row.id, last_seen_at=row.last_seen_at)


def user_for_token(*, session: Session, token: str) -> User:
    """The user a live session token belongs to, else ``Unauthorized``."""
    return caller_for_token(session=session, token=token).user


def note_seen(*, session: Session, session_id: str) -> None:
    """Move the session's last use to now, unless another request did within ``SEEN_EVERY``."""
    now = utcnow()
    session.execute(update(AuthSession).where(AuthSession.id == session_id,
                                              AuthSession.last_seen_at <= now - SEEN_EVERY)
                    .values(last_seen_at=now))


def live_session(*, session: Session, token: str | None = None, session_id: str | None = None) -> AuthSession:
    """The unexpired session with this token (or this id), else ``Unauthorized``."""
    found = session.scalar(select(AuthSession).where(_which(token, session_id)))
    if found is None or found.expires_at <= utcnow():
        raise Unauthorized(SIGNED_OUT)
    return found


def end_session(*, session: Session, broadcaster: Broadcaster, token: str | None = None,
                session_id: str | None = None) -> None:
    """Revoke a session (by its token, or its id) at once: its token and stream tickets stop working (both need the
    session), and once this commits its open event streams end on every process. Every way of ending a session goes
    through here."""
    found = session.scalar(select(AuthSession).where(_which(token, session_id)))
    if found is None:
        return
    user_id, ended_id = found.user_id, found.id
    session.execute(delete(AuthSession).where(AuthSession.id == ended_id))
    after_commit(session, lambda: broadcaster.end_session_streams(user_id, ended_id))


def _which(token: str | None, session_id: str | None):
    return AuthSession.id == session_id if token is None else AuthSession.token_hash == token_hash(token)


def end_sessions(*, session: Session, broadcaster: Broadcaster, user_id: str, keep_session_id: str | None = None
                 ) -> int:
    """End every session of the user but ``keep_session_id`` (the caller's own, when it stays signed in)."""
    ids = session.scalars(select(AuthSession.id).where(AuthSession.user_id == user_id,
                                                       AuthSession.id != (keep_session_id or ""))).all()
    for ended in ids:
        end_session(session=session, broadcaster=broadcaster, session_id=ended)
    return len(ids)


def list_sessions(*, session: Session, user_id: str) -> list[AuthSession]:
    """The user's live sessions, the most recently used first."""
    return list(session.scalars(select(AuthSession).where(AuthSession.user_id == user_id,
                                                          AuthSession.expires_at > utcnow())
                                .order_by(AuthSession.last_seen_at.desc(), AuthSession.id)))


def end_own_session(*, session: Session, broadcaster: Broadcaster, user_id: str, session_id: str) -> None:
    """Revoke one of the user's sessions; another user's (or an unknown) id is ``NotFound``."""
    owned = session.scalar(select(AuthSession.id).where(AuthSession.id == session_id,
                                                        AuthSession.user_id == user_id))
    if owned is None:
        raise NotFound("No such session.")
    end_session(session=session, broadcaster=broadcaster, session_id=owned)


def update_profile(*, session: Session, user_id: str, name: str | None = None, email: str | None = None) -> User:
    """Change the name and/or email (unique in any letter case); a new email is unverified again."""
    user = session.get_one(User, user_id)
    if name is not None:
        user.name = name or None
    if email is not None and email.strip().lower() != user.email:
        user.email, user.email_verified_at = email.strip().lower(), None
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise Conflict("An account with this email already exists.", field="email") from error
    return user


def set_password(*, session: Session, user_id: str, password_hash: str) -> None:
    session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))


def issue_link(*, session: Session, user_id: str, purpose: str, ttl: timedelta) -> str:
    """A new one-time link token of ``purpose`` for the user; the user's expired links are pruned meanwhile."""
    token = secrets.token_urlsafe(32)
    session.execute(delete(AccountLink).where(AccountLink.user_id == user_id, AccountLink.expires_at <= utcnow()))
    session.add(AccountLink(user_id=user_id, purpose=purpose, token_hash=token_hash(token),
                            expires_at=utcnow() + ttl))
    session.flush()
    return token


def use_link(*, session: Session, purpose: str, token: str) -> str:
    """Spend a live link of ``purpose``: its row is deleted (so it works once) and the user's id returned; a bad,
    used or expired token is ``ValidationFailed``."""
    user_id = session.scalar(delete(AccountLink).where(
        AccountLink.token_hash == token_hash(token), AccountLink.purpose == purpose,
        AccountLink.expires_at > utcnow()).returning(AccountLink.user_id))
    if user_id is None:
        raise ValidationFailed("This link is invalid, used or expired; ask for a new one.", field="token")
    if purpose == "reset":  # one reset spends every reset link the user was sent
        session.execute(delete(AccountLink).where(AccountLink.user_id == user_id, AccountLink.purpose == purpose))
    return user_id


def mark_verified(*, session: Session, user_id: str) -> None:
    session.execute(update(User).where(User.id == user_id, User.email_verified_at.is_(None))
                    .values(email_verified_at=utcnow()))


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


def require_verified(*, session: Session, user_id: str, required: bool) -> None:
    """``EmailNotVerified`` when verification is ``required`` and the user's email is not verified yet."""
    if required and session.scalar(select(User.email_verified_at).where(User.id == user_id)) is None:
        raise EmailNotVerified("Confirm your email first: use the link we mailed you (or ask for a new one on your "
                               "account page).")
