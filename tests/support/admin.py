"""An admin for a test: registered through the API, then promoted as ``avatar-creator users set-role`` does."""

from __future__ import annotations

from avatar_creator.auth import service as auth_service
from tests.support.factories import register


def register_admin(client, app, *, email: str | None = None) -> dict:
    """Register a user and make them an admin; returns what ``register`` does."""
    admin = register(client, email=email)
    with app.state.database.session() as session:
        auth_service.set_role(session=session, email=admin["user"]["email"], role="admin")
    return admin
