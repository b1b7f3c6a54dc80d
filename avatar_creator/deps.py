"""FastAPI dependencies every router shares: the app's parts (typed), the current user, rate limits, session cookies.

How a request uses the database (docs/transactions.md): no dependency yields a session. The body is parsed and
validated, the caller is resolved in a short read of its own (``CurrentUser`` holds no session afterwards), the slow
work (password hashing, image decoding, reading an upload) runs with no session open, and then one short transaction —
``with database.session() as session:``, or ``session(write=False)`` for reads — runs the services and commits. It is
opened and closed inside one sync function (a sync route, or one ``run_in_threadpool`` call), never across an
``await`` or from one worker thread to another. The HTTP method decides nothing about it.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request, Response
from sqlalchemy.exc import SQLAlchemyError

from avatar_creator import logs
from avatar_creator.auth import service as auth_service
from avatar_creator.auth import tokens
from avatar_creator.auth.models import User
from avatar_creator.auth.passwords import Passwords
from avatar_creator.db import Database
from avatar_creator.errors import CsrfFailed, Forbidden, NotFound, Unauthorized
from avatar_creator.events.broadcast import Broadcaster
from avatar_creator.events.tickets import UsedTickets
from avatar_creator.health import HealthRegistry
from avatar_creator.imaging.decodes import DecodeSlots
from avatar_creator.jobs.queue import Signals
from avatar_creator.mail import Mail, Mailer, send_quietly
from avatar_creator.ratelimit import RateLimiter
from avatar_creator.settings import Settings
from avatar_creator.signing import FileUrls
from avatar_creator.storage import Storage

SESSION_COOKIE = "avatar_session"
CSRF_COOKIE = "avatar_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # for CSRF only: a cookie on these changes nothing
log = logging.getLogger("avatar_creator.deps")


# The parts built once by ``app.create_app``; this is the one place that reads them off the application.

def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_storage(request: Request) -> Storage:
    return request.app.state.storage


def get_signals(request: Request) -> Signals:
    return request.app.state.jobs.signals


def get_provider_names(request: Request) -> set[str]:
    """The providers a request may name."""
    return request.app.state.jobs.provider_names()


def get_file_urls(request: Request) -> FileUrls:
    return request.app.state.file_url


def get_passwords(request: Request) -> Passwords:
    return request.app.state.passwords


def get_decodes(request: Request) -> DecodeSlots:
    return request.app.state.decodes


def get_rate_limiter(request: Request) -> RateLimiter:
    return request.app.state.rate_limiter


def get_broadcaster(request: Request) -> Broadcaster:
    return request.app.state.broadcaster


def get_used_tickets(request: Request) -> UsedTickets:
    return request.app.state.used_tickets


def get_health(request: Request) -> HealthRegistry:
    return request.app.state.health


def get_mailer(request: Request) -> Mailer:
    return request.app.state.mailer


def get_outbox(background: BackgroundTasks, mailer: Annotated[Mailer, Depends(get_mailer)]
               ) -> Callable[[Mail], None]:
    """Where a use case puts mail: sent by a background task once the answer has gone (SMTP may take seconds)."""
    return lambda mail: background.add_task(send_quietly, mailer, mail)


def get_base_url(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> str:
    """Where mailed links point: ``AVATAR_PUBLIC_URL`` when set, else the address this request came to."""
    return settings.public_url or str(request.base_url)


def client_ip(request: Request) -> str | None:
    """The client's address (the proxy's X-Forwarded-For when ``AVATAR_TRUSTED_PROXIES`` trusts it, see cli.serve)."""
    return request.client.host if request.client else None


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
StorageDep = Annotated[Storage, Depends(get_storage)]
SignalsDep = Annotated[Signals, Depends(get_signals)]
ProviderNamesDep = Annotated[set[str], Depends(get_provider_names)]
FileUrlsDep = Annotated[FileUrls, Depends(get_file_urls)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
DecodesDep = Annotated[DecodeSlots, Depends(get_decodes)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
BroadcasterDep = Annotated[Broadcaster, Depends(get_broadcaster)]
UsedTicketsDep = Annotated[UsedTickets, Depends(get_used_tickets)]
HealthDep = Annotated[HealthRegistry, Depends(get_health)]
MailerDep = Annotated[Mailer, Depends(get_mailer)]
OutboxDep = Annotated[Callable[[Mail], None], Depends(get_outbox)]
BaseUrlDep = Annotated[str, Depends(get_base_url)]


# The caller

def session_token(request: Request) -> tuple[str, bool] | None:
    """The session token and whether it came from the cookie (which then needs CSRF protection)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else None


def user_for_token(database: Database, token: str) -> User:
    """The token's user, read in a short transaction of its own; the user comes back detached, fully loaded.

    The session's last use is written at most once a minute (``auth.service.SEEN_EVERY``), not on every request.
    """
    with database.session(write=False) as session:
        caller = auth_service.caller_for_token(session=session, token=token)
    if caller.seen_long_ago:
        try:
            with database.session() as session:
                auth_service.note_seen(session=session, session_id=caller.session_id)
        except SQLAlchemyError as error:  # only a "last seen" time: a busy database must not fail the request
            log.info("could not note a session's last use (%s)", type(error).__name__)
    return caller.user


@dataclass(frozen=True)
class Principal:
    """Who is calling and how: a session (``token_id`` None, every right) or a personal API token and its scopes."""

    user: User
    token_id: str | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def rate_key(self) -> str:
        """What rate limits count against: each API token on its own, else the user."""
        return f"token:{self.token_id}" if self.token_id else self.user.id


def _api_token(database: Database, secret: str) -> Principal | None:
    with database.session(write=False) as session:
        found = tokens.live_token(session=session, secret=secret)
    if found is None:
        return None
    if found.last_used_at_stale:
        try:
            with database.session() as session:
                tokens.touch(session=session, token_id=found.id)
        except SQLAlchemyError as error:  # only a "last used" time: a busy database must not fail the request
            log.info("could not note a token's last use (%s)", type(error).__name__)
    return Principal(user=found.user, token_id=found.id, scopes=found.scopes)


def resolve_principal(request: Request, database: Database, settings: Settings) -> Principal:
    """The caller: a bearer API token, else a session (bearer, or the cookie with its CSRF header when it matters)."""
    found = session_token(request)
    if found is None:
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
    token, from_cookie = found
    principal = _api_token(database, token) if not from_cookie and tokens.is_token(token) else None
    if principal is None:
        if from_cookie and request.method not in SAFE_METHODS:
            expected = auth_service.csrf_token_for(token, secret=settings.secret)
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), expected.encode()):
                raise CsrfFailed(f"Missing or wrong CSRF token: send the '{CSRF_COOKIE}' cookie's value as "
                                 f"{CSRF_HEADER}.")
        principal = Principal(user=user_for_token(database, token))
    request.state.user_id = principal.user.id
    logs.add_to_context(user_id=principal.user.id)  # the request's later log lines name the user
    return principal


def get_principal(request: Request, database: DatabaseDep, settings: SettingsDep) -> Principal:
    return resolve_principal(request, database, settings)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_current_user(principal: PrincipalDep) -> User:
    """The signed-in user of a session. API tokens are refused: a route reachable by tokens says so with
    ``require_scope``, so a route that forgets to is closed to them."""
    if principal.token_id is not None:
        raise Forbidden("API tokens cannot use this route; sign in instead.")
    return principal.user


CurrentUser = Annotated[User, Depends(get_current_user)]


@cache  # one dependency per scope, so FastAPI resolves it once per request however many times a route names it
def require_scope(scope: str) -> Callable[..., User]:
    """A dependency for a route API tokens may reach: a session, or a token that holds ``scope``."""
    if scope not in tokens.SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def scoped_user(response: Response, principal: PrincipalDep, limiter: RateLimiterDep) -> User:
        if principal.token_id is not None:
            if scope not in principal.scopes:
                raise Forbidden(f"This API token lacks the scope '{scope}'.")
            response.headers.update(limiter.hit("api_token", principal.rate_key))
        return principal.user

    return scoped_user


def get_admin(request: Request, database: DatabaseDep, settings: SettingsDep) -> User:
    """An admin signed in with a session. For anyone else, API tokens and visitors included, the admin area does not
    exist: 404, as for an unknown path."""
    try:
        principal = resolve_principal(request, database, settings)
    except Unauthorized:
        raise NotFound("Not found.") from None
    except CsrfFailed:  # only an admin learns that this route wants the CSRF token
        found = session_token(request)
        if found is None or _role_of(database, found[0]) != "admin":
            raise NotFound("Not found.") from None
        raise
    if principal.token_id is not None or principal.user.role != "admin":
        raise NotFound("Not found.")
    return principal.user


def _role_of(database: Database, token: str) -> str | None:
    try:
        return user_for_token(database, token).role
    except Unauthorized:
        return None


AdminUser = Annotated[User, Depends(get_admin)]
AvatarsReader = Annotated[User, Depends(require_scope("avatars:read"))]
UsageRecorder = Annotated[User, Depends(require_scope("avatars:usage"))]
Generator = Annotated[User, Depends(require_scope("generate"))]


# Rate limits

def limit_by_ip(name: str):
    """A dependency counting this request against the named limit, per client address (before sign-in)."""

    def dependency(request: Request, response: Response, limiter: RateLimiterDep) -> None:
        key = request.client.host if request.client else "unknown"
        response.headers.update(limiter.hit(name, key))

    return Depends(dependency)


def limit_by_user(name: str, *, user_dependency: Callable[..., User] | None = None):
    """A dependency counting this request against the named limit, per signed-in user (per API token for a token).

    ``user_dependency`` says how the web app finds its caller (its forms carry the CSRF token in a field, not a
    header); the API's routes count the caller found by ``get_principal`` and check its rights themselves.
    """
    if user_dependency is None:
        def by_principal(response: Response, limiter: RateLimiterDep, principal: PrincipalDep) -> None:
            response.headers.update(limiter.hit(name, principal.rate_key))

        return Depends(by_principal)

    def by_user(response: Response, limiter: RateLimiterDep, user: User = Depends(user_dependency)) -> None:
        response.headers.update(limiter.hit(name, user.id))

    return Depends(by_user)


# Session cookies

def set_session_cookies(response: Response, issued: auth_service.IssuedSession, settings: Settings) -> None:
    """The HttpOnly session cookie and the readable CSRF-token cookie, set at sign-in by the API and the web app."""
    max_age = settings.session_ttl_days * 86400
    response.set_cookie(SESSION_COOKIE, issued.token, max_age=max_age, httponly=True, samesite="lax",
                        secure=settings.cookie_secure, path="/")
    response.set_cookie(CSRF_COOKIE, issued.csrf_token, max_age=max_age, httponly=False, samesite="lax",
                        secure=settings.cookie_secure, path="/")


def clear_session_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
