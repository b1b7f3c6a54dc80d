"""Routes the old dashboard calls outside the app prefix, and the health endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from avatar_creator.generation.pricing import costs

router = APIRouter(tags=["platform"])

APP_ID = "avatar-creator"


def providers(request: Request) -> dict:
    """The providers a request may pick and the default, as ``GET /api/apps`` and the stats show them."""
    return {"providers": sorted(request.app.state.jobs.provider_names()),
            "defaultProvider": request.app.state.settings.provider}


@router.get("/api/apps")
def list_apps(request: Request) -> dict:
    return {"apps": [{"appId": APP_ID, "name": "Avatar Creator",
                      "description": "Create AI avatars from a prompt, a preset, a persona or a photo.",
                      "icon": "/static/icon.svg", "costs": costs(request.app.state.settings), **providers(request)}]}


@router.get("/health")
@router.get("/api/apps/avatar-creator/health")
async def health() -> dict:  # async: liveness answers on the event loop, never waiting for a worker thread
    return {"status": "ok"}


@router.get("/health/ready")
def ready(request: Request) -> JSONResponse:
    is_ready, results = request.app.state.health.run()
    body = {"status": "ok" if is_ready else "unavailable", "checks": {k: v.to_api() for k, v in results.items()}}
    return JSONResponse(body, status_code=200 if is_ready else 503, headers={} if is_ready else {"Retry-After": "5"})
