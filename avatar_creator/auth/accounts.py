"""Register, log in, log out, and the account's own changes: the one home of each, called by the JSON API and the web
app alike.

Argon2 costs ~100 ms and 64 MiB per call, so it runs with no transaction open: on SQLite a write transaction holds the
database's only write lock, and holding it through a hash stalls every other writer. Mail goes to ``outbox`` after
the transaction that made its link has committed (routes hand it to a background task: SMTP may take seconds).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from sqlalchemy.orm import Session

from avatar_creator.auth import service
from avatar_creator.auth.models import AuthSession, User
from avatar_creator.auth.passwords import Passwords
from avatar_creator.db import Database
from avatar_creator.errors import ValidationFailed
from avatar_creator.events.broadcast import Broadcaster
from avatar_creator.mail import Mail, Mailer, send_quietly
from avatar_creator.ratelimit import RateLimiter
from avatar_creator.settings import Settings

RESET_TTL = timedelta(minutes=30)
VERIFY_TTL = timedelta(days=7)
WRONG_PASSWORD = "Your current password is incorrect."
Outbox = Callable[[Mail], None]


def register(*, database: Database, passwords: Passwords, settings: Settings, outbox: Outbox, base_url: str,
             email: str, password: str, name: str | None, user_agent: str | None,
             ip: str | None) -> service.IssuedSession:
    """A new account with its welcome bonus, signed in; with verification required, the welcome mail's link."""
    password_hash = passwords.hash(password)
    with database.session() as session:
        user = service.create_user(session=session, email=email, password_hash=password_hash, name=name,
                                   storage_quota=settings.storage_quota_bytes, welcome_bonus=settings.welcome_bonus)
        issued = _start_session(session, settings, user, user_agent, ip)
        mail = _verification_mail(session, settings, base_url, user, welcome=True)
    if mail:
        outbox(mail)
    return issued


def login(*, database: Database, passwords: Passwords, settings: Settings, limiter: RateLimiter, email: str,
          password: str, user_agent: str | None, ip: str | None) -> service.IssuedSession:
    """A new session for these credentials, else ``Unauthorized`` (the same answer for an unknown email).

    Failed logins count against the email, from whatever address they come, so rotating addresses buys no more
    guesses. The attempt is counted before the password is checked, so parallel guesses cannot overrun the limit;
    a success clears the count. Once the limit is used up, every login of the email answers ``RateLimited``.
    """
    account = _limit_key(email)
    limiter.hit("login_failures", account)
    with database.session(write=False) as session:
        found = service.find_by_email(session=session, email=email)
    user = service.check_password(passwords=passwords, user=found, password=password)
    limiter.clear("login_failures", account)
    with database.session() as session:
        return _start_session(session, settings, user, user_agent, ip)


def logout(*, database: Database, broadcaster: Broadcaster, token: str) -> None:
    """Revoke the session of ``token`` at once, its event streams and stream tickets with it."""
    with database.session() as session:
        service.end_session(session=session, broadcaster=broadcaster, token=token)


def update_profile(*, database: Database, passwords: Passwords, limiter: RateLimiter, settings: Settings,
                   outbox: Outbox, base_url: str, user: User, name: str | None, email: str | None,
                   current_password: str | None) -> User:
    """Change the name and/or the email; a new email needs the current password (and, with verification
    required, is verified again through a mailed link)."""
    new_email = email if email is not None and email != user.email else None
    if new_email is not None:
        check_own_password(passwords=passwords, limiter=limiter, user=user, password=current_password)
    with database.session() as session:
        updated = service.update_profile(session=session, user_id=user.id, name=name, email=new_email)
        mail = _verification_mail(session, settings, base_url, updated, welcome=False) if new_email else None
    if mail:
        outbox(mail)
    return updated


def change_password(*, database: Database, passwords: Passwords, limiter: RateLimiter, broadcaster: Broadcaster,
                    user: User, token: str, current_password: str, new_password: str) -> None:
    """Set a new password (the current one must be right) and end every other session of the user."""
    check_own_password(passwords=passwords, limiter=limiter, user=user, password=current_password)
    password_hash = passwords.hash(new_password)
    with database.session() as session:
        own = service.live_session(session=session, token=token)
        service.set_password(session=session, user_id=user.id, password_hash=password_hash)
        service.end_sessions(session=session, broadcaster=broadcaster, user_id=user.id, keep_session_id=own.id)


def forgot_password(*, database: Database, limiter: RateLimiter, mailer: Mailer, defer: Callable[..., None],
                    base_url: str, email: str) -> dict[str, str]:
    """Count the request against the email's limit (known or not), then leave the rest to ``defer`` (a background
    task run after the answer has gone), so neither the answer nor its timing says whether the account exists.
    Returns the limit's ``X-RateLimit-*`` headers."""
    headers = limiter.hit("password_reset_email", _limit_key(email))
    defer(request_password_reset, database=database, outbox=partial(send_quietly, mailer), base_url=base_url,
          email=email)
    return headers


def request_password_reset(*, database: Database, outbox: Outbox, base_url: str, email: str) -> None:
    """Mail a reset link if the email has an account; nothing otherwise."""
    with database.session() as session:
        user = service.find_by_email(session=session, email=email)
        if user is None:
            return
        link = reset_link(session=session, base_url=base_url, user_id=user.id)
    outbox(Mail(to=user.email, subject="Reset your Avatar Creator password", text=(
        f"Someone (we hope you) asked to reset the password of {user.email}.\n\n"
        f"Choose a new password here within 30 minutes:\n{link}\n\n"
        "The link works once. If you did not ask, ignore this mail: your password stays as it is.\n")))


def reset_link(*, session: Session, base_url: str, user_id: str) -> str:
    """A new single-use reset link for the user, valid ``RESET_TTL`` (also what ``users reset-link`` prints)."""
    token = service.issue_link(session=session, user_id=user_id, purpose="reset", ttl=RESET_TTL)
    return f"{base_url.rstrip('/')}/password/reset?token={token}"


def reset_password(*, database: Database, passwords: Passwords, broadcaster: Broadcaster, token: str,
                   new_password: str) -> None:
    """Spend a reset link: the new password is set and every session of the user ends."""
    password_hash = passwords.hash(new_password)
    with database.session() as session:
        user_id = service.use_link(session=session, purpose="reset", token=token)
        service.set_password(session=session, user_id=user_id, password_hash=password_hash)
        service.end_sessions(session=session, broadcaster=broadcaster, user_id=user_id)


def send_verification(*, database: Database, settings: Settings, outbox: Outbox, base_url: str, user: User) -> None:
    """Mail a new verification link (when verification is required and the email is not verified yet)."""
    with database.session() as session:
        mail = _verification_mail(session, settings, base_url, user, welcome=False)
    if mail:
        outbox(mail)


def verify_email(*, database: Database, token: str) -> None:
    """Spend a verification link: the user's email counts as verified from now on."""
    with database.session() as session:
        user_id = service.use_link(session=session, purpose="verify", token=token)
        service.mark_verified(session=session, user_id=user_id)


def list_sessions(*, database: Database, user: User, token: str) -> list[tuple[AuthSession, bool]]:
    """The user's live sessions, each with whether it is the caller's own; the caller's first."""
    own = service.token_hash(token)
    with database.session(write=False) as session:
        rows = [(row, row.token_hash == own) for row in service.list_sessions(session=session, user_id=user.id)]
    return sorted(rows, key=lambda pair: not pair[1])


def revoke_session(*, database: Database, broadcaster: Broadcaster, user: User, token: str, session_id: str) -> bool:
    """End one of the user's sessions; True when it was the caller's own (they are signed out now)."""
    with database.session() as session:
        own = service.live_session(session=session, token=token)
        service.end_own_session(session=session, broadcaster=broadcaster, user_id=user.id, session_id=session_id)
        return own.id == session_id


def revoke_other_sessions(*, database: Database, broadcaster: Broadcaster, user: User, token: str) -> int:
    """End every session of the user but the caller's; returns how many ended."""
    with database.session() as session:
        own = service.live_session(session=session, token=token)
        return service.end_sessions(session=session, broadcaster=broadcaster, user_id=user.id, keep_session_id=own.id)


def check_own_password(*, passwords: Passwords, limiter: RateLimiter, user: User, password: str | None,
                       field: str = "currentPassword") -> None:
    """The signed-in user's password, asked again before a sensitive change; wrong answers count as failed logins."""
    if not password:
        raise ValidationFailed(f"{field}: enter your current password to make this change", field=field)
    account = _limit_key(user.email)
    limiter.hit("login_failures", account)
    if not passwords.verify(user.password_hash, password):
        raise ValidationFailed(WRONG_PASSWORD, field=field)
    limiter.clear("login_failures", account)


def _verification_mail(session: Session, settings: Settings, base_url: str, user: User, *, welcome: bool
                       ) -> Mail | None:
    if not settings.require_email_verification or user.email_verified_at is not None:
        return None
    token = service.issue_link(session=session, user_id=user.id, purpose="verify", ttl=VERIFY_TTL)
    link = f"{base_url.rstrip('/')}/verify-email?token={token}"
    opening = "Welcome to Avatar Creator!" if welcome else "Please confirm your email address."
    return Mail(to=user.email, subject="Confirm your email for Avatar Creator", text=(
        f"{opening}\n\nConfirm {user.email} here to start generating avatars:\n{link}\n\n"
        "The link works once, for 7 days.\n"))


def _limit_key(email: str) -> str:
    # Hashed: the counter's key in Redis need not show whose password is being guessed.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _start_session(session: Session, settings: Settings, user: User, user_agent: str | None,
                   ip: str | None) -> service.IssuedSession:
    return service.start_session(session=session, user=user, ttl=timedelta(days=settings.session_ttl_days),
                                 secret=settings.secret, user_agent=user_agent, ip=ip)
