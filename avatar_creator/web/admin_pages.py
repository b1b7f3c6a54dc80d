"""The admin area's pages (``/admin``): users, the queue, providers and workers, the audit log. For anyone but an
admin signed in with the browser's session, every page and form here is a 404, as for an unknown address."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from avatar_creator.admin import actions, audit, queue, users
from avatar_creator.admin.chart import hourly_chart
from avatar_creator.admin.schemas import CreditsChange
from avatar_creator.auth.models import User
from avatar_creator.deps import (
    BroadcasterDep,
    DatabaseDep,
    HealthDep,
    SettingsDep,
    SignalsDep,
    StorageDep,
)
from avatar_creator.errors import NotFound, ValidationFailed
from avatar_creator.generation import service as generation_service
from avatar_creator.generation.models import STATUSES
from avatar_creator.web import forms
from avatar_creator.web.errors import WEB_TAG
from avatar_creator.web.rendering import redirect, render
from avatar_creator.web.session import FormDep, optional_user, verified_user

router = APIRouter(prefix="/admin", tags=[WEB_TAG], include_in_schema=False)
PAGE_SIZE = 25
Cursor = Annotated[str | None, Query(max_length=200)]


def web_admin(request: Request, user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The signed-in admin; for anyone else the area does not exist."""
    if user is None or user.role != "admin":
        raise NotFound("There is nothing at this address.")
    return user


WebAdmin = Annotated[User, Depends(web_admin)]


def verified_admin(request: Request, admin: WebAdmin, form: FormDep) -> User:
    """The admin of a form post that carries the session's CSRF token."""
    return verified_user(request, admin, form)


VerifiedAdmin = Annotated[User, Depends(verified_admin)]


def _render(request: Request, template: str, admin: User, context: dict[str, Any], **options: Any) -> Response:
    return render(request, f"admin/{template}", {"section": template.removesuffix(".html"), **context}, user=admin,
                  **options)


@router.get("")
def users_page(request: Request, admin: WebAdmin, database: DatabaseDep,
               q: Annotated[str | None, Query(max_length=320)] = None, cursor: Cursor = None) -> Response:
    with database.session(write=False) as session:
        found, next_cursor = users.search(session=session, q=q, limit=PAGE_SIZE, cursor=cursor)
    return _render(request, "users.html", admin, {"accounts": found, "q": q or "", "next_cursor": next_cursor})


@router.get("/users/{user_id}")
def user_page(user_id: str, request: Request, admin: WebAdmin, database: DatabaseDep) -> Response:
    return _user_page(request, database, admin, user_id)


def _user_page(request: Request, database: DatabaseDep, admin: User, user_id: str, *, status_code: int = 200,
               errors: dict[str, str] | None = None, values: Any = None) -> Response:
    with database.session(write=False) as session:
        account = users.get(session=session, user_id=user_id)
        work, _ = queue.generations(session=session, status=None, user_id=user_id, error_code=None, limit=10,
                                    cursor=None)
    return _render(request, "user.html", admin, {"account": account, "generations": work, "errors": errors or {},
                                                 "values": values or {}},
                   status_code=status_code, page_url=f"/admin/users/{user_id}")


@router.post("/users/{user_id}/credits")
def change_credits(user_id: str, request: Request, admin: VerifiedAdmin, form: FormDep, database: DatabaseDep,
                   signals: SignalsDep) -> Response:
    body, errors = forms.parse(CreditsChange, form, ("amount", "reason"))
    if body is not None and body.amount == 0:
        body, errors = None, {"amount": "Enter a number of credits other than 0."}
    if body is None:
        return _user_page(request, database, admin, user_id, status_code=400, errors=errors, values=form)
    row = actions.change_credits(database=database, signals=signals, actor_id=admin.id, user_id=user_id,
                                 amount=body.amount, reason=body.reason)
    done = f"Granted {body.amount} credits" if body.amount > 0 else f"Removed {-body.amount} credits"
    return redirect(f"/admin/users/{user_id}", flash=f"{done}; the balance is now {row.balance_after}.")


@router.post("/users/{user_id}/status")
def change_status(user_id: str, admin: VerifiedAdmin, form: FormDep, database: DatabaseDep,
                  broadcaster: BroadcasterDep) -> Response:
    disabled = _choice(form.get("disabled"), {"true": True, "false": False}, "disabled")
    actions.change_user(database=database, broadcaster=broadcaster, actor_id=admin.id, user_id=user_id, role=None,
                        disabled=disabled)
    return redirect(f"/admin/users/{user_id}", flash="Account disabled: its sessions and tokens have ended."
                    if disabled else "Account enabled again.")


@router.post("/users/{user_id}/role")
def change_role(user_id: str, admin: VerifiedAdmin, form: FormDep, database: DatabaseDep,
                broadcaster: BroadcasterDep) -> Response:
    role = _choice(form.get("role"), {"user": "user", "admin": "admin"}, "role")
    actions.change_user(database=database, broadcaster=broadcaster, actor_id=admin.id, user_id=user_id, role=role,
                        disabled=None)
    left_the_area = user_id == admin.id and role != "admin"
    return redirect("/projects" if left_the_area else f"/admin/users/{user_id}", flash=f"Role set to {role}.")


@router.post("/users/{user_id}/delete")
def delete_user(user_id: str, admin: VerifiedAdmin, form: FormDep, database: DatabaseDep, storage: StorageDep,
                broadcaster: BroadcasterDep) -> Response:
    with database.session(write=False) as session:
        email = users.get(session=session, user_id=user_id).user.email
    if form.get("confirmEmail") != email:
        raise ValidationFailed("Type the user's email to confirm the deletion.", field="confirmEmail")
    actions.delete_user(database=database, storage=storage, broadcaster=broadcaster, actor_id=admin.id,
                        user_id=user_id)
    return redirect("/admin", flash=f"Deleted {email} and everything of theirs.")


@router.get("/queue")
def queue_page(request: Request, admin: WebAdmin, database: DatabaseDep,
               status: Annotated[str | None, Query(max_length=20)] = None,
               error_code: Annotated[str | None, Query(alias="errorCode", max_length=40)] = None,
               cursor: Cursor = None) -> Response:
    with database.session(write=False) as session:
        overview = queue.overview(session=session)
        shown = status if status in STATUSES else None
        work, next_cursor = queue.generations(session=session, status=shown, user_id=None,
                                              error_code=error_code or None, limit=PAGE_SIZE, cursor=cursor)
    return _render(request, "queue.html", admin, {"overview": overview, "chart": hourly_chart(overview),
                                                  "generations": work, "status": shown or "",
                                                  "error_code": error_code or "",
                                                  "next_cursor": next_cursor})


@router.get("/generations/{generation_id}")
def generation_page(generation_id: str, request: Request, admin: WebAdmin, database: DatabaseDep) -> Response:
    with database.session(write=False) as session:
        generation = queue.get(session=session, generation_id=generation_id)
        owner = users.get(session=session, user_id=generation.user_id)
    return _render(request, "generation.html", admin, {"generation": generation, "owner": owner,
                                                       "details": generation_service.to_api(generation)})


@router.post("/generations/{generation_id}/cancel")
def cancel_generation(generation_id: str, admin: VerifiedAdmin, database: DatabaseDep,
                      signals: SignalsDep) -> Response:
    cancelled = actions.cancel_generation(database=database, signals=signals, actor_id=admin.id,
                                          generation_id=generation_id)
    return redirect(f"/admin/generations/{generation_id}",
                    flash=f"Cancelled; {cancelled.refunded} credits went back to the user.")


@router.post("/generations/{generation_id}/retry")
def retry_generation(generation_id: str, admin: VerifiedAdmin, database: DatabaseDep, settings: SettingsDep,
                     signals: SignalsDep) -> Response:
    retried, _ = actions.retry_generation(database=database, settings=settings, signals=signals, actor_id=admin.id,
                                          generation_id=generation_id)
    return redirect(f"/admin/generations/{retried.id}", flash=f"Queued again for the user ({retried.cost} credits).")


@router.get("/system")
def system_page(request: Request, admin: WebAdmin, health: HealthDep) -> Response:
    ready, checks = health.run()
    return _render(request, "system.html", admin, {"ready": ready, "checks": checks})


@router.get("/system/checks")
def system_checks(request: Request, admin: WebAdmin, health: HealthDep) -> Response:
    """The checks alone, polled by the system page so it stays live."""
    ready, checks = health.run()
    return render(request, "admin/checks.html", {"ready": ready, "checks": checks})


@router.get("/audit")
def audit_page(request: Request, admin: WebAdmin, database: DatabaseDep, cursor: Cursor = None) -> Response:
    with database.session(write=False) as session:
        entries, next_cursor = audit.entries(session=session, limit=PAGE_SIZE, cursor=cursor)
        named = users.emails(session=session, user_ids={entry.actor_id for entry in entries} | {
            entry.target_id for entry in entries if entry.target_type == "user"})
    return _render(request, "audit.html", admin, {"entries": entries, "emails": named, "next_cursor": next_cursor})


def _choice(value: object, options: dict[str, Any], field: str) -> Any:
    if not isinstance(value, str) or value not in options:
        raise ValidationFailed(f"{field}: must be one of {', '.join(options)}", field=field)
    return options[value]
