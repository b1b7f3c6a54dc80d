"""Register, log in, log out: the one home of each, called by the JSON API and the web app alike.

Argon2 costs ~100 ms and 64 MiB per call, so it runs with no transaction open: on SQLite a write transaction holds the
database's only write lock, and holding it through a hash stalls every other writer.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy.orm import Session

from avatar_creator.auth import service
from avatar_creator.auth.models import User
from avatar_creator.auth.passwords import Passwords
from avatar_creator.db import Database
from avatar_creator.events.broadcast import Broadcaster
from avatar_creator.ratelimit import RateLimiter
from avatar_creator.settings import Settings


def register(*, database: Database, passwords: Passwords, settings: Settings, email: str, password: str,
             name: str | None, user_agent: str | None) -> service.IssuedSession:
    """A new account with its welcome bonus, signed in."""
    password_hash = passwords.hash(password)
    with database.session() as session:
        user = service.create_user(session=session, email=email, password_hash=password_hash, name=name,
                                   storage_quota=settings.storage_quota_bytes, welcome_bonus=settings.welcome_bonus)
        return _start_session(session, settings, user, user_agent)


def login(*, database: Database, passwords: Passwords, settings: Settings, limiter: RateLimiter, email: str,
          password: str, user_agent: str | None) -> service.IssuedSession:
    """A new session for these credentials, else ``Unauthorized`` (the same answer for an unknown email).

    Failed logins count against the email, from whatever address they come, so rotating addresses buys no more
    guesses. The attempt is counted before the password is checked, so parallel guesses cannot overrun the limit;
    a success clears the count. Once the limit is used up, every login of the email answers ``RateLimited``.
    """
    # Hashed: the counter's key in Redis need not show whose password is being guessed.
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    limiter.hit("login_failures", account)
    with database.session(write=False) as session:
        found = service.find_by_email(session=session, email=email)
    user = service.check_password(passwords=passwords, user=found, password=password)
    limiter.clear("login_failures", account)
    with database.session() as session:
        return _start_session(session, settings, user, user_agent)


def logout(*, database: Database, broadcaster: Broadcaster, token: str) -> None:
    """Revoke the session of ``token`` at once, its event streams and stream tickets with it."""
    with database.session() as session:
        service.end_session(session=session, broadcaster=broadcaster, token=token)


def _start_session(session: Session, settings: Settings, user: User, user_agent: str | None) -> service.IssuedSession:
    return service.start_session(session=session, user=user, ttl=timedelta(days=settings.session_ttl_days),
                                 secret=settings.secret, user_agent=user_agent)
