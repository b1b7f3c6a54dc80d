"""Projects: plain functions on a session; the caller commits."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from avatar_creator.errors import NotFound, ValidationFailed
from avatar_creator.projects.models import Project


def list_for_user(*, session: Session, user_id: str) -> list[Project]:
    """The user's projects, newest first."""
    return list(session.scalars(
        select(Project).where(Project.user_id == user_id).order_by(Project.created_at.desc(), Project.id)
    ))


def get_owned(*, session: Session, user_id: str, project_id: str) -> Project:
    """The project if the user owns it; a missing project and someone else's look the same."""
    project = session.scalar(select(Project).where(Project.id == project_id, Project.user_id == user_id))
    if project is None:
        raise NotFound("Project not found.")
    return project


def create(*, session: Session, user_id: str, name: str, description: str | None) -> Project:
    """A new, empty project."""
    project = Project(user_id=user_id, name=name, description=description or None)
    session.add(project)
    session.flush()
    return project


def update(*, session: Session, user_id: str, project_id: str, changes: dict) -> Project:
    """Apply ``changes`` (only the fields the client sent); ``description=None`` clears it."""
    project = get_owned(session=session, user_id=user_id, project_id=project_id)
    if "name" in changes:
        if changes["name"] is None:
            raise ValidationFailed("name: cannot be empty", field="name")
        project.name = changes["name"]
    if "description" in changes:
        project.description = changes["description"] or None
    session.flush()
    return project


def delete_owned(*, session: Session, user_id: str, project_id: str) -> None:
    """Remove the project row; its avatars and generations go with it (foreign-key cascades)."""
    get_owned(session=session, user_id=user_id, project_id=project_id)
    session.execute(delete(Project).where(Project.id == project_id))
