"""``GET /metrics`` on the API (``metrics`` itself stays free of the web framework: workers import it too)."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Header, Response
from prometheus_client import CONTENT_TYPE_LATEST

from avatar_creator.errors import Unauthorized
from avatar_creator.metrics import HttpMetrics, ScrapeCollector, authorised, exposition, scrape_registry


def install(app: FastAPI, *, collector: ScrapeCollector, token: str | None) -> None:
    """``GET /metrics`` and the HTTP middleware (added here: inside ``HeadAsGet``, which copies the scope, so the
    route the router matched is seen; a HEAD counts as the GET it runs as)."""
    registry = scrape_registry(collector)

    @app.get("/metrics", include_in_schema=False)
    def metrics(authorization: Annotated[str | None, Header()] = None) -> Response:
        if not authorised(authorization, token):
            raise Unauthorized("Metrics need Authorization: Bearer <AVATAR_METRICS_TOKEN>.",
                               headers={"WWW-Authenticate": "Bearer"})
        return Response(exposition(registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(HttpMetrics)
