"""Web pages of the account: profile, password, sessions, export and deletion (``/account``), and the visitor's
"forgot password", reset and email verification pages. Each route calls the use case the JSON API calls."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import Response

from avatar_creator.auth import accounts, deletion, devices
from avatar_creator.auth.models import User
from avatar_creator.auth.schemas import DeleteAccountIn, ForgotPasswordIn, PasswordChangeIn, ProfileIn, ResetPasswordIn
from avatar_creator.deps import (
    SESSION_COOKIE,
    BaseUrlDep,
    BroadcasterDep,
    DatabaseDep,
    MailerDep,
    OutboxDep,
    PasswordsDep,
    RateLimiterDep,
    SettingsDep,
    StorageDep,
    clear_session_cookies,
    limit_by_ip,
)
from avatar_creator.errors import Conflict, ValidationFailed
from avatar_creator.settings import Settings
from avatar_creator.web import forms
from avatar_creator.web.errors import WEB_TAG
from avatar_creator.web.rendering import redirect, render
from avatar_creator.web.session import (
    FormDep,
    OptionalUser,
    VerifiedUser,
    WebUser,
    set_visitor_cookie,
    verify_visitor_form,
    visitor_csrf_token,
)

router = APIRouter(tags=[WEB_TAG], include_in_schema=False)


def _account_page(request: Request, user: User, database, settings: Settings, *, status_code: int = 200,
                  errors: dict[str, dict[str, str]] | None = None, values: dict | None = None) -> Response:
    """The account page; ``errors`` and ``values`` are keyed by section (a refused form shown again)."""
    rows = accounts.list_sessions(database=database, user=user, token=request.cookies[SESSION_COOKIE])
    sessions = [{"row": row, "current": current, "device": devices.describe(row.user_agent)} for row, current in rows]
    return render(request, "account.html", {
        "sessions": sessions, "errors": errors or {}, "values": values or {},
        "verification_required": settings.require_email_verification,
    }, user=user, status_code=status_code, page_url="/account")


def _refused(request: Request, user: User, database, settings: Settings, section: str, errors: dict[str, str],
             form) -> Response:
    return _account_page(request, user, database, settings, status_code=400, errors={section: errors},
                         values={section: form})


@router.get("/account")
def account_page(request: Request, user: WebUser, database: DatabaseDep, settings: SettingsDep) -> Response:
    return _account_page(request, user, database, settings)


@router.post("/account/profile")
def update_profile(request: Request, user: VerifiedUser, form: FormDep, database: DatabaseDep,
                   passwords: PasswordsDep, limiter: RateLimiterDep, settings: SettingsDep, outbox: OutboxDep,
                   base_url: BaseUrlDep) -> Response:
    body, errors = forms.parse(ProfileIn, form, ("name", "email", "currentPassword"))
    if body is not None:
        try:
            accounts.update_profile(database=database, passwords=passwords, limiter=limiter, settings=settings,
                                    outbox=outbox, base_url=base_url, user=user,
                                    name=body.name or "",  # an emptied field clears the name
                                    email=body.email, current_password=body.current_password)
            return redirect("/account", flash="Your profile is saved.")
        except (ValidationFailed, Conflict) as error:
            errors = {error.field or forms.FORM_LEVEL: error.message}
    return _refused(request, user, database, settings, "profile", errors, form)


@router.post("/account/password")
def change_password(request: Request, user: VerifiedUser, form: FormDep, database: DatabaseDep,
                    passwords: PasswordsDep, limiter: RateLimiterDep, broadcaster: BroadcasterDep,
                    settings: SettingsDep) -> Response:
    body, errors = forms.parse(PasswordChangeIn, form, ("currentPassword", "newPassword"))
    if body is not None:
        try:
            accounts.change_password(database=database, passwords=passwords, limiter=limiter,
                                     broadcaster=broadcaster, user=user, token=request.cookies[SESSION_COOKIE],
                                     current_password=body.current_password, new_password=body.new_password)
            return redirect("/account", flash="Password changed. Your other sessions are signed out.")
        except ValidationFailed as error:
            errors = {error.field or forms.FORM_LEVEL: error.message}
    return _refused(request, user, database, settings, "password", errors, {})


@router.post("/account/sessions/{session_id}/revoke")
def revoke_session(session_id: str, request: Request, user: VerifiedUser, database: DatabaseDep,
                   broadcaster: BroadcasterDep) -> Response:
    own = accounts.revoke_session(database=database, broadcaster=broadcaster, user=user,
                                  token=request.cookies[SESSION_COOKIE], session_id=session_id)
    if own:
        return _signed_out("You are signed out.")
    return redirect("/account", flash="That session is signed out.")


@router.post("/account/sessions/revoke-others")
def revoke_other_sessions(request: Request, user: VerifiedUser, database: DatabaseDep,
                          broadcaster: BroadcasterDep) -> Response:
    ended = accounts.revoke_other_sessions(database=database, broadcaster=broadcaster, user=user,
                                           token=request.cookies[SESSION_COOKIE])
    return redirect("/account", flash=f"Signed out {ended} other session{'' if ended == 1 else 's'}.")


@router.post("/account/verification")
def resend_verification(user: VerifiedUser, database: DatabaseDep, settings: SettingsDep, outbox: OutboxDep,
                        base_url: BaseUrlDep) -> Response:
    accounts.send_verification(database=database, settings=settings, outbox=outbox, base_url=base_url, user=user)
    return redirect("/account", flash=f"A new link is on its way to {user.email}.")


@router.post("/account/delete")
def delete_account(request: Request, user: VerifiedUser, form: FormDep, database: DatabaseDep, storage: StorageDep,
                   broadcaster: BroadcasterDep, passwords: PasswordsDep, limiter: RateLimiterDep,
                   settings: SettingsDep) -> Response:
    body, errors = forms.parse(DeleteAccountIn, form, ("password", "confirmEmail"))
    if body is not None:
        try:
            deletion.delete_account(database=database, storage=storage, broadcaster=broadcaster,
                                    passwords=passwords, limiter=limiter, user=user, password=body.password,
                                    confirm_email=body.confirm_email)
            return _signed_out("Your account and everything in it are deleted.", target="/register")
        except ValidationFailed as error:
            errors = {error.field or forms.FORM_LEVEL: error.message}
    return _refused(request, user, database, settings, "delete", errors, {})


def _signed_out(flash: str, *, target: str = "/signin") -> Response:
    response = redirect(target, flash=flash)
    clear_session_cookies(response)
    return response


# For visitors: forgot password, reset, verify. The reset and verify forms carry no CSRF token: the link's own
# secret token is what proves the request, and a forged post could only spend a link its sender already holds.

@router.get("/password/forgot")
def forgot_page(request: Request, user: OptionalUser, settings: SettingsDep) -> Response:
    if user:
        return redirect("/account")
    return _visitor_page(request, settings, "forgot_password.html", {})


@router.post("/password/forgot", dependencies=[Depends(verify_visitor_form), limit_by_ip("password_reset")])
def forgot_password(request: Request, form: FormDep, background: BackgroundTasks, database: DatabaseDep,
                    limiter: RateLimiterDep, mailer: MailerDep, settings: SettingsDep,
                    base_url: BaseUrlDep) -> Response:
    body, errors = forms.parse(ForgotPasswordIn, form, ("email",))
    if body is None:
        return _visitor_page(request, settings, "forgot_password.html", {"values": form}, errors=errors,
                             status_code=400)
    accounts.forgot_password(database=database, limiter=limiter, mailer=mailer, defer=background.add_task,
                             base_url=base_url, email=body.email)
    return _visitor_page(request, settings, "forgot_password.html", {"sent_to": body.email})


def _visitor_page(request: Request, settings: Settings, template: str, context: dict, *, status_code: int = 200,
                  errors: dict | None = None) -> Response:
    """A page with a form for someone not signed in, the CSRF token of its form set as their cookie."""
    request.state.csrf_token = visitor_csrf_token(request, settings)
    response = _link_page(request, template, context, status_code=status_code, errors=errors)
    set_visitor_cookie(response, request.state.csrf_token, settings)
    return response


def _link_page(request: Request, template: str, context: dict, *, status_code: int = 200,
               errors: dict | None = None) -> Response:
    return render(request, template, {"errors": errors or {}, "values": {}, **context}, status_code=status_code,
                  page_url=request.url.path)


@router.get("/password/reset")
def reset_page(request: Request, token: str = "") -> Response:
    return _link_page(request, "reset_password.html", {"token": token})


@router.post("/password/reset")
def reset_password(request: Request, form: FormDep, database: DatabaseDep, passwords: PasswordsDep,
                   broadcaster: BroadcasterDep) -> Response:
    body, errors = forms.parse(ResetPasswordIn, form, ("token", "newPassword"))
    if body is not None:
        try:
            accounts.reset_password(database=database, passwords=passwords, broadcaster=broadcaster,
                                    token=body.token, new_password=body.new_password)
            return _signed_out("Your password is changed; sign in with it.")
        except ValidationFailed as error:
            errors = {forms.FORM_LEVEL: error.message}
    if "token" in errors:
        errors = {forms.FORM_LEVEL: "This link is incomplete; open the one in the mail again."}
    return _link_page(request, "reset_password.html", {"token": form.get("token", "")}, errors=errors,
                      status_code=400)


@router.get("/verify-email")
def verify_page(request: Request, token: str = "") -> Response:
    """A button, not the verification itself: mail scanners follow links, and must not spend this one."""
    return _link_page(request, "verify_email.html", {"token": token})


@router.post("/verify-email")
def verify_email(request: Request, form: FormDep, database: DatabaseDep) -> Response:
    try:
        accounts.verify_email(database=database, token=str(form.get("token") or ""))
    except ValidationFailed as error:
        return _link_page(request, "verify_email.html", {"token": ""}, errors={forms.FORM_LEVEL: error.message},
                          status_code=400)
    return redirect("/projects", flash="Your email is confirmed. Happy creating!")
