"""FastAPI dependencies every router shares: settings, a database session, the current user."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from avatar_creator.auth import service as auth_service
from avatar_creator.auth.models import User
from avatar_creator.db import Database
from avatar_creator.errors import CsrfFailed, Unauthorized
from avatar_creator.settings import Settings

SESSION_COOKIE = "avatar_session"
CSRF_COOKIE = "avatar_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: reads stay deferred, writes take SQLite's lock up front; commit on success."""
    with get_database(request).session(write=request.method not in SAFE_METHODS) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def session_token(request: Request) -> tuple[str, bool] | None:
    """The session token and whether it came from the cookie (which then needs CSRF protection)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else None


def get_current_user(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    found = session_token(request)
    if found is None:
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
    token, from_cookie = found
    if from_cookie and request.method not in SAFE_METHODS:
        expected = auth_service.csrf_token_for(token, secret=settings.secret)
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            raise CsrfFailed(f"Missing or wrong CSRF token: send the '{CSRF_COOKIE}' cookie's value as {CSRF_HEADER}.")
    user = auth_service.user_for_token(session=session, token=token)
    request.state.user_id = user.id
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def limit_by_ip(name: str):
    """A dependency counting this request against the named limit, per client address (before sign-in)."""

    def dependency(request: Request, response: Response) -> None:
        key = request.client.host if request.client else "unknown"
        response.headers.update(request.app.state.rate_limiter.hit(name, key))

    return Depends(dependency)


def limit_by_user(name: str):
    """A dependency counting this request against the named limit, per signed-in user."""

    def dependency(request: Request, response: Response, user: CurrentUser) -> None:
        response.headers.update(request.app.state.rate_limiter.hit(name, user.id))

    return Depends(dependency)


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
