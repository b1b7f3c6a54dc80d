"""The server-rendered web app: Jinja2 pages enhanced by htmx, served from our own static files."""

from __future__ import annotations

from fastapi import FastAPI

from avatar_creator.web import errors
from avatar_creator.web.account_routes import router as account_router
from avatar_creator.web.admin_pages import router as admin_router
from avatar_creator.web.avatar_routes import router as avatar_router
from avatar_creator.web.preset_routes import router as preset_router
from avatar_creator.web.project_routes import router as project_router
from avatar_creator.web.rendering import STATIC_DIR, CachedStaticFiles
from avatar_creator.web.routes import router
from avatar_creator.web.token_pages import router as token_router


def install(app: FastAPI) -> None:
    """Add the pages and static files, and HTML errors for web requests (after the API's handlers)."""
    app.include_router(router)
    app.include_router(project_router)
    app.include_router(avatar_router)  # after project_router: its /avatars/card is not an avatar's id
    app.include_router(preset_router)
    app.include_router(account_router)
    app.include_router(token_router)
    app.include_router(admin_router)
    app.mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static")
    errors.install(app)
