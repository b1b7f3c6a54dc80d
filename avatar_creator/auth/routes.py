"""``/api/auth``: register, login, logout, me. Results are wrapped as ``{"success": true, "data": ...}``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from avatar_creator.auth import accounts
from avatar_creator.auth.schemas import LoginIn, RegisterIn, UserRead
from avatar_creator.auth.service import IssuedSession
from avatar_creator.deps import (
    BroadcasterDep,
    CurrentUser,
    DatabaseDep,
    PasswordsDep,
    RateLimiterDep,
    SettingsDep,
    clear_session_cookies,
    limit_by_ip,
    session_token,
    set_session_cookies,
)
from avatar_creator.errors import Unauthorized
from avatar_creator.openapi import statuses
from avatar_creator.settings import Settings

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _signed_in(response: Response, issued: IssuedSession, settings: Settings) -> dict:
    set_session_cookies(response, issued, settings)
    return {"success": True, "data": {"user": UserRead.model_validate(issued.user).dump(), "token": issued.token,
                                      "csrfToken": issued.csrf_token}}


@router.post("/register", status_code=status.HTTP_201_CREATED, dependencies=[limit_by_ip("register")],
             responses=statuses(409))
def register(body: RegisterIn, request: Request, response: Response, database: DatabaseDep, passwords: PasswordsDep,
             settings: SettingsDep) -> dict:
    issued = accounts.register(database=database, passwords=passwords, settings=settings, email=body.email,
                               password=body.password, name=body.name, user_agent=request.headers.get("user-agent"))
    return _signed_in(response, issued, settings)


@router.post("/login", dependencies=[limit_by_ip("login")], responses=statuses(401))
def login(body: LoginIn, request: Request, response: Response, database: DatabaseDep, passwords: PasswordsDep,
          settings: SettingsDep, limiter: RateLimiterDep) -> dict:
    issued = accounts.login(database=database, passwords=passwords, settings=settings, limiter=limiter,
                            email=body.email, password=body.password, user_agent=request.headers.get("user-agent"))
    return _signed_in(response, issued, settings)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, user: CurrentUser, database: DatabaseDep, broadcaster: BroadcasterDep) -> Response:
    found = session_token(request)
    if found is None:  # CurrentUser has found it already
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
    accounts.logout(database=database, broadcaster=broadcaster, token=found[0])
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response)
    return response


@router.get("/me")
def me(user: CurrentUser) -> dict:
    return {"success": True, "data": {"user": UserRead.model_validate(user).dump()}}
