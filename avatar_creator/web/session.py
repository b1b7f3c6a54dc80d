"""The browser's side of sign-in: the foundation's session cookie and the CSRF token every web form carries.

Signed-in forms carry the session-bound token (``auth.service.csrf_token_for``). Sign-in and register forms have no
session yet, so they carry a signed random token that is also set as the readable CSRF cookie (double submit: a
cross-site form cannot read it, and SameSite=Lax keeps the cookie off cross-site posts).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.datastructures import FormData

from avatar_creator.auth import service as auth_service
from avatar_creator.auth.models import User
from avatar_creator.deps import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, DatabaseDep, SettingsDep, user_for_token
from avatar_creator.errors import CsrfFailed, Unauthorized
from avatar_creator.settings import Settings

CSRF_FIELD = "csrf_token"
VISITOR_PREFIX = "visitor."


class SignInRequired(Exception):
    """The page needs a signed-in user; the web answers with a redirect to the sign-in page."""


async def form_data(request: Request) -> FormData:
    """The posted form, parsed once per request (Starlette caches it), so sync routes can read it in a thread."""
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


def signed_in_user(request: Request, database: DatabaseDep, settings: SettingsDep) -> User:
    """The user of the session cookie, else ``SignInRequired``; keeps the page's CSRF token on ``request.state``."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired()
    try:
        user = user_for_token(database, token)
    except Unauthorized:
        raise SignInRequired() from None
    request.state.user_id = user.id
    request.state.csrf_token = auth_service.csrf_token_for(token, secret=settings.secret)
    return user


def optional_user(request: Request, database: DatabaseDep, settings: SettingsDep) -> User | None:
    """The signed-in user, or None for a visitor."""
    try:
        return signed_in_user(request, database, settings)
    except SignInRequired:
        return None


WebUser = Annotated[User, Depends(signed_in_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def _sent_token(request: Request, form: FormData) -> str:
    sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    return sent if isinstance(sent, str) else ""


def verified_user(request: Request, user: WebUser, form: FormDep) -> User:
    """The signed-in user of a state-changing request that carries the session's CSRF token."""
    if not hmac.compare_digest(_sent_token(request, form).encode(), request.state.csrf_token.encode()):
        raise CsrfFailed("This form has expired or did not come from this site.")
    return user


VerifiedUser = Annotated[User, Depends(verified_user)]


def _visitor_signature(nonce: str, secret: bytes) -> str:
    return hmac.new(secret, b"visitor-csrf:" + nonce.encode(), hashlib.sha256).hexdigest()[:32]


def _is_visitor_token(value: str, secret: bytes) -> bool:
    nonce, _, signature = value.removeprefix(VISITOR_PREFIX).partition(".")
    return value.startswith(VISITOR_PREFIX) and bool(nonce) and hmac.compare_digest(
        signature.encode(), _visitor_signature(nonce, secret).encode())


def visitor_csrf_token(request: Request, settings: Settings) -> str:
    """The CSRF token of a sign-in or register form: the visitor's cookie when valid, else a new one."""
    existing = request.cookies.get(CSRF_COOKIE, "")
    if _is_visitor_token(existing, settings.secret):
        return existing
    nonce = secrets.token_urlsafe(16)
    return f"{VISITOR_PREFIX}{nonce}.{_visitor_signature(nonce, settings.secret)}"


def verify_visitor_form(request: Request, settings: SettingsDep, form: FormDep) -> None:
    """A sign-in or register post must send back the token of its own cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = _sent_token(request, form)
    if not (_is_visitor_token(cookie, settings.secret) and hmac.compare_digest(sent.encode(), cookie.encode())):
        raise CsrfFailed("This form has expired; reload the page and try again.")


def set_visitor_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(CSRF_COOKIE, token, httponly=False, samesite="lax", secure=settings.cookie_secure, path="/")
