"""The FastAPI application factory: settings, the database and every service are built here, once."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from avatar_creator import error_handlers, health, metrics, metrics_route, openapi, web
from avatar_creator.admin.routes import router as admin_router
from avatar_creator.admission import Admission
from avatar_creator.auth.passwords import Passwords
from avatar_creator.auth.routes import router as auth_router
from avatar_creator.auth.token_routes import router as tokens_router
from avatar_creator.avatars.multipart import TEXT_BYTES_LIMIT
from avatar_creator.avatars.routes import router as avatars_router
from avatar_creator.avatars.uploads import router as uploads_router
from avatar_creator.catalog.routes import previews_router
from avatar_creator.catalog.routes import router as catalog_router
from avatar_creator.client_logs import router as client_logs_router
from avatar_creator.credits.routes import router as credits_router
from avatar_creator.db import Database
from avatar_creator.events import build_event_sink
from avatar_creator.events.routes import router as events_router
from avatar_creator.events.tickets import build_used_tickets
from avatar_creator.generation import service as generation_service
from avatar_creator.generation.lifecycle import JOBS as GENERATION_QUEUE
from avatar_creator.generation.routes import router as generation_router
from avatar_creator.generation.runner import build_runtime
from avatar_creator.generation.source_routes import router as generation_sources_router
from avatar_creator.head import HeadAsGet
from avatar_creator.imaging.decodes import DecodeSlots
from avatar_creator.jobs.health import worker_check
from avatar_creator.mail import build_mailer
from avatar_creator.platform_routes import router as platform_router
from avatar_creator.projects.routes import router as projects_router
from avatar_creator.providers.base import Provider
from avatar_creator.providers.registry import providers_check
from avatar_creator.ratelimit import RateLimiter
from avatar_creator.request_ids import RequestIds
from avatar_creator.request_limits import RequestLimits
from avatar_creator.security_headers import SecurityHeaders
from avatar_creator.settings import RATE_LIMIT_NAMES, Settings, load_settings
from avatar_creator.signing import FileUrls
from avatar_creator.stats_routes import router as stats_router
from avatar_creator.storage import Storage, build_storage
from avatar_creator.timing import ServerTiming
from avatar_creator.user_files import router as files_router


def create_app(settings: Settings | None = None, *, providers: dict[str, Provider] | None = None,
               storage: Storage | None = None, on_started: Callable[[Database], None] | None = None) -> FastAPI:
    """Build the application; nothing about a mode (embedded or scaled out) is decided anywhere else.

    ``providers`` and ``storage`` replace the ones the settings describe (tests pass fakes here); ``on_started`` gets
    the request pool once the app has started (``serve`` draws missing catalogue previews with it).
    """
    settings = settings or load_settings()
    settings.prepare()
    database = Database.for_requests(settings)
    jobs_database = Database.for_jobs(settings, workers=settings.workers)
    storage = storage or build_storage(settings)
    events = build_event_sink(settings, jobs_database, queue_head=generation_service.queue_head)
    rate_limiter = RateLimiter(
        limits_by_name={name: settings.rate_limit(name) for name in RATE_LIMIT_NAMES},
        enabled=settings.rate_limits == "on", redis_url=settings.redis_url,
        key_prefix=settings.redis_prefix, without_redis=settings.rate_limits_without_redis)
    jobs = build_runtime(settings, jobs_database, storage=storage, events=events, providers=providers,
                         rate_limiter=rate_limiter)

    @asynccontextmanager
    async def lifespan(started: FastAPI):
        runtime = started.state.jobs
        events.start()
        runtime.start()
        if on_started is not None:
            on_started(database)
        yield
        # Streams have ended by now (events.routes); the jobs given back still send their events, then it closes.
        await anyio.to_thread.run_sync(runtime.stop)  # gives running jobs back: may take a few seconds
        database.dispose()
        jobs_database.dispose()

    app = FastAPI(title="Avatar Creator", version="0.1.0", lifespan=lifespan)
    # Read by deps.py alone, through its typed dependencies.
    app.state.settings = settings
    app.state.database = database
    app.state.jobs = jobs
    app.state.broadcaster = events.broadcaster
    app.state.used_tickets = build_used_tickets(settings)
    app.state.passwords = Passwords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib,
                                    parallelism=settings.argon2_parallelism,
                                    max_concurrent=settings.max_concurrent_hashes)
    app.state.rate_limiter = rate_limiter
    app.state.decodes = DecodeSlots(max_concurrent=settings.max_concurrent_decodes,
                                    wait_seconds=settings.decode_wait_seconds)
    app.state.storage = storage
    app.state.mailer = build_mailer(settings)
    app.state.file_url = FileUrls(secret=settings.secret, public_url=settings.public_url)
    # On the jobs' pool, not the busy request pool: a failing check is a real outage.
    app.state.health = build_health(settings, jobs_database, jobs.providers, storage)

    # Innermost of the middlewares, so its refusals still get their CORS and timing headers; before every route.
    app.add_middleware(RequestLimits, max_body_bytes=settings.max_json_bytes,
                       max_multipart_bytes=settings.max_upload_bytes + TEXT_BYTES_LIMIT,
                       max_file_bytes=settings.max_upload_bytes)
    app.add_middleware(Admission, max_in_flight=settings.max_requests_per_client,
                       wait_seconds=settings.admission_wait_seconds)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True,
                           allow_methods=["*"], allow_headers=["*"])
    app.add_middleware(ServerTiming)
    app.add_middleware(SecurityHeaders, settings=settings, exempt_paths=frozenset(
        path for path in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if path))
    if settings.metrics == "on":
        broadcaster = events.broadcaster
        metrics_route.install(app, token=settings.metrics_token, collector=metrics.ScrapeCollector(
            metrics.queue_reader(jobs_database, lambda session: GENERATION_QUEUE.depth(session=session)),
            (lambda: broadcaster.stream_count) if broadcaster is not None else None))
    app.add_middleware(HeadAsGet)  # everything inside sees the GET it stands for
    # Outermost: every answer gets its id, and only it sees the peer before the trusted proxies' X-Forwarded-For.
    app.add_middleware(RequestIds, trusted_proxies=settings.trusted_proxies)
    error_handlers.install(app)
    for router in (platform_router, auth_router, tokens_router, credits_router, projects_router, generation_router,
                   generation_sources_router, avatars_router, uploads_router, stats_router, files_router,
                   events_router, catalog_router, previews_router, client_logs_router, admin_router):
        app.include_router(router)
    web.install(app)
    openapi.install(app, provider_names=jobs.provider_names())
    return app


def build_health(settings: Settings, database: Database, providers: dict[str, Provider],
                 storage: Storage) -> health.HealthRegistry:
    """The checks readiness and ``doctor`` run; worker, provider and storage are reported, never gating."""
    registry = health.HealthRegistry()
    registry.register("database", health.database_check(database), gating=True)
    registry.register("redis", health.redis_check(settings), gating=True)
    registry.register("storage", health.storage_check(storage), gating=False)
    registry.register("worker", worker_check(database, settings), gating=False)
    registry.register("provider", providers_check(providers, settings.provider), gating=False)
    return registry
