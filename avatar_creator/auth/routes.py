"""``/api/auth``: register, login, logout, me. Results are wrapped as ``{"success": true, "data": ...}``."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response, status

from avatar_creator.auth import service
from avatar_creator.auth.schemas import LoginIn, RegisterIn, UserRead
from avatar_creator.deps import (CurrentUser, SessionDep, SettingsDep, clear_session_cookies, limit_by_ip,
                                 session_token, set_session_cookies)
from avatar_creator.settings import Settings

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _signed_in(response: Response, issued: service.IssuedSession, settings: Settings) -> dict:
    set_session_cookies(response, issued, settings)
    return {"success": True, "data": {"user": UserRead.model_validate(issued.user).dump(), "token": issued.token,
                                      "csrfToken": issued.csrf_token}}


@router.post("/register", status_code=status.HTTP_201_CREATED, dependencies=[limit_by_ip("register")])
def register(body: RegisterIn, request: Request, response: Response, session: SessionDep,
             settings: SettingsDep) -> dict:
    user = service.create_user(session=session, passwords=request.app.state.passwords, email=body.email,
                               password=body.password, name=body.name, storage_quota=settings.storage_quota_bytes,
                               welcome_bonus=settings.welcome_bonus)
    issued = service.start_session(session=session, user=user, ttl=timedelta(days=settings.session_ttl_days),
                                   secret=settings.secret, user_agent=request.headers.get("user-agent"))
    return _signed_in(response, issued, settings)


@router.post("/login", dependencies=[limit_by_ip("login")])
def login(body: LoginIn, request: Request, response: Response, session: SessionDep, settings: SettingsDep) -> dict:
    user = service.authenticate(session=session, passwords=request.app.state.passwords, email=body.email,
                                password=body.password)
    issued = service.start_session(session=session, user=user, ttl=timedelta(days=settings.session_ttl_days),
                                   secret=settings.secret, user_agent=request.headers.get("user-agent"))
    return _signed_in(response, issued, settings)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    token, _ = session_token(request)
    service.end_session(session=session, token=token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response)
    return response


@router.get("/me")
def me(user: CurrentUser) -> dict:
    return {"success": True, "data": {"user": UserRead.model_validate(user).dump()}}
