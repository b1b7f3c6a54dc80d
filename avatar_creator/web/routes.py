"""Web pages: sign in, register, sign out, projects, a project, credits. Each route calls the domain services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from avatar_creator.auth import accounts
from avatar_creator.auth import service as auth_service
from avatar_creator.auth.models import User
from avatar_creator.auth.schemas import LoginIn, RegisterIn
from avatar_creator.avatars import service as avatars_service
from avatar_creator.credits import service as credits_service
from avatar_creator.db import Database
from avatar_creator.deps import (
    SESSION_COOKIE,
    BaseUrlDep,
    BroadcasterDep,
    DatabaseDep,
    FileUrlsDep,
    OutboxDep,
    PasswordsDep,
    RateLimiterDep,
    SettingsDep,
    SignalsDep,
    StorageDep,
    clear_session_cookies,
    client_ip,
    limit_by_ip,
    set_session_cookies,
)
from avatar_creator.errors import Conflict, Unauthorized
from avatar_creator.generation import requests
from avatar_creator.generation.pricing import costs
from avatar_creator.projects import service as projects_service
from avatar_creator.projects.models import Project
from avatar_creator.projects.schemas import ProjectCreate, ProjectUpdate
from avatar_creator.settings import Settings
from avatar_creator.signing import FileUrls
from avatar_creator.web import forms
from avatar_creator.web.errors import WEB_TAG
from avatar_creator.web.project_routes import project_page_response
from avatar_creator.web.rendering import local_path, redirect, render
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
HISTORY_LIMIT = 100


@dataclass(frozen=True)
class ProjectCard:
    """What the projects grid shows of one project."""

    id: str
    name: str
    description: str | None
    avatar_count: int
    cover_url: str | None


def _project_cards(session: Session, file_urls: FileUrls, projects: list[Project]) -> list[ProjectCard]:
    covers, counts = avatars_service.newest_by_project(session=session, project_ids=[p.id for p in projects],
                                                       limit_per_project=1)
    return [ProjectCard(id=p.id, name=p.name, description=p.description, avatar_count=counts.get(p.id, 0),
                        cover_url=file_urls(covers[p.id][0].thumbnail_key) if covers.get(p.id) else None)
            for p in projects]


@router.get("/")
def home(user: OptionalUser) -> Response:
    return redirect("/projects" if user else "/signin")


# Sign in, register, sign out

def _visitor_page(request: Request, settings: Settings, template: str, context: dict, *, status_code: int = 200,
                  errors: dict | None = None) -> Response:
    """A page for someone not signed in, with the CSRF token of its forms set as their cookie."""
    request.state.csrf_token = visitor_csrf_token(request, settings)
    response = render(request, template, {"errors": errors or {}, **context}, status_code=status_code,
                      page_url=request.url.path)
    set_visitor_cookie(response, request.state.csrf_token, settings)
    return response


def _signed_in(issued: auth_service.IssuedSession, settings: Settings, target: str,
               flash: str | None = None) -> Response:
    response = redirect(target, flash=flash)
    set_session_cookies(response, issued, settings)
    return response


@router.get("/signin")
def signin_page(request: Request, user: OptionalUser, settings: SettingsDep, next: str | None = None) -> Response:
    if user:
        return redirect(local_path(next, "/projects"))
    return _visitor_page(request, settings, "signin.html", {"next": local_path(next, ""), "values": {}})


@router.post("/signin", dependencies=[Depends(verify_visitor_form), limit_by_ip("login")])
def signin(request: Request, form: FormDep, database: DatabaseDep, passwords: PasswordsDep,
           settings: SettingsDep, limiter: RateLimiterDep) -> Response:
    target = local_path(form.get("next"), "/projects")
    login, errors = forms.parse(LoginIn, form, ("email", "password"))
    if login:
        try:
            issued = accounts.login(database=database, passwords=passwords, settings=settings, limiter=limiter,
                                    email=login.email, password=login.password,
                                    user_agent=request.headers.get("user-agent"), ip=client_ip(request))
            return _signed_in(issued, settings, target)
        except Unauthorized as error:
            errors = {forms.FORM_LEVEL: error.message}
    return _visitor_page(request, settings, "signin.html", {"next": form.get("next", ""), "values": form},
                         status_code=400, errors=errors)


@router.get("/register")
def register_page(request: Request, user: OptionalUser, settings: SettingsDep) -> Response:
    if user:
        return redirect("/projects")
    return _visitor_page(request, settings, "register.html", {"values": {}})


@router.post("/register", dependencies=[Depends(verify_visitor_form), limit_by_ip("register")])
def register(request: Request, form: FormDep, database: DatabaseDep, passwords: PasswordsDep,
             settings: SettingsDep, outbox: OutboxDep, base_url: BaseUrlDep) -> Response:
    body, errors = forms.parse(RegisterIn, form, ("email", "password", "name"))
    if body:
        try:
            issued = accounts.register(database=database, passwords=passwords, settings=settings, outbox=outbox,
                                       base_url=base_url, email=body.email, password=body.password, name=body.name,
                                       user_agent=request.headers.get("user-agent"), ip=client_ip(request))
            welcome = f"Welcome! Your first {settings.welcome_bonus} credits are on us." \
                if settings.welcome_bonus else "Welcome!"
            if settings.require_email_verification:
                welcome += " Confirm your email with the link we mailed you to start generating."
            return _signed_in(issued, settings, "/projects", flash=welcome)
        except Conflict as error:
            errors = {error.field or forms.FORM_LEVEL: error.message}
    return _visitor_page(request, settings, "register.html", {"values": form}, status_code=400, errors=errors)


@router.get("/signout")
def signout_page(request: Request, user: WebUser) -> Response:
    return render(request, "signout.html", user=user)


@router.post("/signout")
def signout(request: Request, user: VerifiedUser, database: DatabaseDep, broadcaster: BroadcasterDep) -> Response:
    accounts.logout(database=database, broadcaster=broadcaster, token=request.cookies[SESSION_COOKIE])
    response = redirect("/signin", flash="You are signed out.")
    clear_session_cookies(response)
    return response


# Projects

def _projects_page(request: Request, database: Database, file_urls: FileUrls, user: User, *, status_code: int = 200,
                   errors: dict | None = None, **context) -> Response:
    """The projects grid; ``context`` may open a dialog on load (a refused form, shown again with its messages)."""
    with database.session(write=False) as session:
        projects = projects_service.list_for_user(session=session, user_id=user.id)
        cards = _project_cards(session, file_urls, projects)
    return render(request, "projects.html", {
        "projects": cards, "errors": errors or {}, "values": {}, **context,
    }, user=user, status_code=status_code, page_url="/projects")


@router.get("/projects")
def projects_page(request: Request, user: WebUser, database: DatabaseDep, file_urls: FileUrlsDep) -> Response:
    return _projects_page(request, database, file_urls, user)


@router.post("/projects")
def create_project(request: Request, user: VerifiedUser, form: FormDep, database: DatabaseDep,
                   file_urls: FileUrlsDep) -> Response:
    body, errors = forms.parse(ProjectCreate, form, ("name", "description"))
    if body is None:  # refused: errors says why
        return _projects_page(request, database, file_urls, user, status_code=400, open_dialog="new-project",
                              errors=errors, values=form)
    with database.session() as session:
        project = projects_service.create(session=session, user_id=user.id, name=body.name,
                                          description=body.description)
    return redirect(f"/projects/{project.id}", flash=f"Created “{project.name}”.")


@router.get("/projects/{project_id}/rename")
def rename_dialog(project_id: str, request: Request, user: WebUser, database: DatabaseDep,
                  back: str | None = None) -> Response:
    with database.session(write=False) as session:
        project = projects_service.get_owned(session=session, user_id=user.id, project_id=project_id)
    return render(request, "partials/rename_dialog.html", {
        "project": project, "back": local_path(back, f"/projects/{project_id}"), "errors": {},
        "values": {"name": project.name, "description": project.description or ""}})


@router.post("/projects/{project_id}/rename")
def rename_project(project_id: str, request: Request, user: VerifiedUser, form: FormDep, database: DatabaseDep,
                   settings: SettingsDep, file_urls: FileUrlsDep) -> Response:
    back = local_path(form.get("back"), f"/projects/{project_id}")
    body, errors = forms.parse(ProjectUpdate, form, ("name", "description"))
    if body is None:  # refused: errors says why
        with database.session(write=False) as session:
            project = projects_service.get_owned(session=session, user_id=user.id, project_id=project_id)
        dialog: dict[str, Any] = {"dialog": "partials/rename_dialog.html", "project": project, "back": back,
                                  "values": form}
        if back == "/projects":
            return _projects_page(request, database, file_urls, user, status_code=400, errors=errors, **dialog)
        return project_page_response(request, database=database, settings=settings, file_urls=file_urls, user=user,
                                     project_id=project_id, status_code=400, errors=errors, **dialog)
    changes = body.model_dump(include={"name", "description"})
    with database.session() as session:
        project = projects_service.update(session=session, user_id=user.id, project_id=project_id, changes=changes)
    return redirect(back, flash=f"Renamed to “{project.name}”.")


@router.get("/projects/{project_id}/delete")
def delete_dialog(project_id: str, request: Request, user: WebUser, database: DatabaseDep) -> Response:
    with database.session(write=False) as session:
        project = projects_service.get_owned(session=session, user_id=user.id, project_id=project_id)
        _, counts = avatars_service.newest_by_project(session=session, project_ids=[project.id], limit_per_project=0)
    return render(request, "partials/delete_dialog.html", {"project": project,
                                                           "avatar_count": counts.get(project.id, 0)})


@router.post("/projects/{project_id}/delete")
def delete_project(project_id: str, user: VerifiedUser, database: DatabaseDep, storage: StorageDep,
                   signals: SignalsDep) -> Response:
    removed = requests.delete_project(database=database, storage=storage, signals=signals, user_id=user.id,
                                      project_id=project_id)
    return redirect("/projects", flash=f"Deleted “{removed.name}”.")


# Credits

@router.get("/balance")
def balance(request: Request, user: WebUser, database: DatabaseDep) -> Response:
    """The header's balance, refreshed by live events."""
    with database.session(write=False) as session:
        current = credits_service.balance(session=session, user_id=user.id)
    return render(request, "partials/balance.html", {"balance": current})


@router.get("/credits")
def credits_page(request: Request, user: WebUser, database: DatabaseDep, settings: SettingsDep) -> Response:
    with database.session(write=False) as session:
        history = credits_service.history(session=session, user_id=user.id, limit=HISTORY_LIMIT)
    return render(request, "credits.html", {"history": history, "costs": costs(settings),
                                            "history_limit": HISTORY_LIMIT}, user=user)
