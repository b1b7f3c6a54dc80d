"""``/api/auth``: register, login, logout, me, and the account's own pages: profile, password (change, forgot,
reset), email verification, sessions, export, deletion. Results are wrapped as ``{"success": true, "data": ...}``."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, Response, status
from fastapi.responses import StreamingResponse

from avatar_creator.auth import accounts, deletion, devices, export
from avatar_creator.auth.models import AuthSession
from avatar_creator.auth.schemas import (
    DeleteAccountIn,
    ForgotPasswordIn,
    LoginIn,
    PasswordChangeIn,
    ProfileIn,
    RegisterIn,
    ResetPasswordIn,
    SessionRead,
    UserRead,
    VerifyEmailIn,
)
from avatar_creator.auth.service import IssuedSession
from avatar_creator.deps import (
    BaseUrlDep,
    BroadcasterDep,
    CurrentUser,
    DatabaseDep,
    MailerDep,
    OutboxDep,
    PasswordsDep,
    RateLimiterDep,
    SettingsDep,
    StorageDep,
    clear_session_cookies,
    client_ip,
    limit_by_ip,
    session_token,
    set_session_cookies,
)
from avatar_creator.errors import Unauthorized, ValidationFailed
from avatar_creator.openapi import binary, statuses
from avatar_creator.settings import Settings

router = APIRouter(prefix="/api/auth", tags=["auth"])
FORGOT_ANSWER = "If an account uses this email, a link to reset its password is on its way."


def _signed_in(response: Response, issued: IssuedSession, settings: Settings) -> dict:
    set_session_cookies(response, issued, settings)
    return {"success": True, "data": {"user": UserRead.model_validate(issued.user).dump(), "token": issued.token,
                                      "csrfToken": issued.csrf_token}}


@router.post("/register", status_code=status.HTTP_201_CREATED, dependencies=[limit_by_ip("register")],
             responses=statuses(409))
def register(body: RegisterIn, request: Request, response: Response, database: DatabaseDep, passwords: PasswordsDep,
             settings: SettingsDep, outbox: OutboxDep, base_url: BaseUrlDep) -> dict:
    issued = accounts.register(database=database, passwords=passwords, settings=settings, outbox=outbox,
                               base_url=base_url, email=body.email, password=body.password, name=body.name,
                               user_agent=request.headers.get("user-agent"), ip=client_ip(request))
    return _signed_in(response, issued, settings)


@router.post("/login", dependencies=[limit_by_ip("login")], responses=statuses(401))
def login(body: LoginIn, request: Request, response: Response, database: DatabaseDep, passwords: PasswordsDep,
          settings: SettingsDep, limiter: RateLimiterDep) -> dict:
    issued = accounts.login(database=database, passwords=passwords, settings=settings, limiter=limiter,
                            email=body.email, password=body.password, user_agent=request.headers.get("user-agent"),
                            ip=client_ip(request))
    return _signed_in(response, issued, settings)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, user: CurrentUser, database: DatabaseDep, broadcaster: BroadcasterDep) -> Response:
    accounts.logout(database=database, broadcaster=broadcaster, token=_own_token(request))
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response)
    return response


@router.get("/me")
def me(user: CurrentUser) -> dict:
    return {"success": True, "data": {"user": UserRead.model_validate(user).dump()}}


def _own_token(request: Request) -> str:
    found = session_token(request)
    if found is None:  # CurrentUser has found it already
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
    return found[0]


def _signed_out() -> Response:
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response)
    return response


# The account

@router.put("/me", responses=statuses(409))
def update_me(body: ProfileIn, user: CurrentUser, database: DatabaseDep, passwords: PasswordsDep,
              limiter: RateLimiterDep, settings: SettingsDep, outbox: OutboxDep, base_url: BaseUrlDep) -> dict:
    updated = accounts.update_profile(database=database, passwords=passwords, limiter=limiter, settings=settings,
                                      outbox=outbox, base_url=base_url, user=user, name=body.name, email=body.email,
                                      current_password=body.current_password)
    return {"success": True, "data": {"user": UserRead.model_validate(updated).dump()}}


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(body: PasswordChangeIn, request: Request, user: CurrentUser, database: DatabaseDep,
                    passwords: PasswordsDep, limiter: RateLimiterDep, broadcaster: BroadcasterDep) -> Response:
    accounts.change_password(database=database, passwords=passwords, limiter=limiter, broadcaster=broadcaster,
                             user=user, token=_own_token(request), current_password=body.current_password,
                             new_password=body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password/forgot", status_code=status.HTTP_202_ACCEPTED,
             dependencies=[limit_by_ip("password_reset")])
def forgot_password(body: ForgotPasswordIn, response: Response, background: BackgroundTasks, database: DatabaseDep,
                    limiter: RateLimiterDep, mailer: MailerDep, base_url: BaseUrlDep) -> dict:
    """The same answer whether or not the email has an account; the lookup and the mail happen after it."""
    response.headers.update(accounts.forgot_password(database=database, limiter=limiter, mailer=mailer,
                                                     defer=background.add_task, base_url=base_url, email=body.email))
    return {"success": True, "data": {"message": FORGOT_ANSWER}}


@router.post("/password/reset", status_code=status.HTTP_204_NO_CONTENT)
def reset_password(body: ResetPasswordIn, database: DatabaseDep, passwords: PasswordsDep,
                   broadcaster: BroadcasterDep) -> Response:
    accounts.reset_password(database=database, passwords=passwords, broadcaster=broadcaster, token=body.token,
                            new_password=body.new_password)
    return _signed_out()


@router.post("/verify", status_code=status.HTTP_204_NO_CONTENT)
def verify_email(body: VerifyEmailIn, database: DatabaseDep) -> Response:
    accounts.verify_email(database=database, token=body.token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/verify/resend", status_code=status.HTTP_202_ACCEPTED)
def resend_verification(user: CurrentUser, database: DatabaseDep, settings: SettingsDep, outbox: OutboxDep,
                        base_url: BaseUrlDep) -> dict:
    accounts.send_verification(database=database, settings=settings, outbox=outbox, base_url=base_url, user=user)
    return {"success": True, "data": {"verified": user.email_verified_at is not None}}


# Sessions

@router.get("/sessions")
def list_sessions(request: Request, user: CurrentUser, database: DatabaseDep) -> dict:
    rows = accounts.list_sessions(database=database, user=user, token=_own_token(request))
    return {"success": True, "data": {"sessions": [session_read(row, current).dump() for row, current in rows]}}


def session_read(row: AuthSession, current: bool) -> SessionRead:
    return SessionRead(id=row.id, user_agent=row.user_agent, device=devices.describe(row.user_agent), ip=row.ip,
                       created_at=row.created_at, last_seen_at=row.last_seen_at, current=current)


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_session(session_id: str, request: Request, user: CurrentUser, database: DatabaseDep,
                   broadcaster: BroadcasterDep) -> Response:
    own = accounts.revoke_session(database=database, broadcaster=broadcaster, user=user, token=_own_token(request),
                                  session_id=session_id)
    return _signed_out() if own else Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/sessions", status_code=status.HTTP_204_NO_CONTENT)
def revoke_other_sessions(request: Request, user: CurrentUser, database: DatabaseDep, broadcaster: BroadcasterDep,
                          others: bool = False) -> Response:
    if not others:
        raise ValidationFailed("others: only ?others=true is supported (end every session but this one)",
                               field="others")
    accounts.revoke_other_sessions(database=database, broadcaster=broadcaster, user=user, token=_own_token(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Leaving: export and delete

@router.get("/export", responses=binary("application/zip"))
def export_data(user: CurrentUser, database: DatabaseDep, storage: StorageDep) -> StreamingResponse:
    collected = export.collect(database=database, user=user)
    return StreamingResponse(export.stream(collected, storage), media_type="application/zip", headers={
        "Content-Disposition": 'attachment; filename="avatar-creator-export.zip"', "Cache-Control": "no-store"})


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
def delete_me(body: DeleteAccountIn, user: CurrentUser, database: DatabaseDep, storage: StorageDep,
              broadcaster: BroadcasterDep, passwords: PasswordsDep, limiter: RateLimiterDep) -> Response:
    deletion.delete_account(database=database, storage=storage, broadcaster=broadcaster, passwords=passwords,
                            limiter=limiter, user=user, password=body.password, confirm_email=body.confirm_email)
    return _signed_out()
