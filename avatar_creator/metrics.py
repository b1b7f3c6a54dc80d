"""Prometheus metrics: every definition, the HTTP middleware, ``/metrics`` and a worker's own metrics server.

Each counter is a process-wide object, moved at the one place its event happens, after the transaction that made
the event commits (``db.after_commit``): a rolled-back change counts nothing. The worker threads inside ``serve`` and
the requests of that process share these objects, so each event counts once per process. Every process (each API
replica, each ``worker``) is scraped on its own and Prometheus sums across them; prometheus-client's multiprocess mode
is not used because the processes here are not forks of one parent sharing a folder, they may sit on different hosts.
The queue's depth and the open streams are read when scraped (``ScrapeCollector``), not counted, so they are right
whatever happened in between; every process reports the same queue, so dashboards take its ``max``. See
docs/metrics.md.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from avatar_creator.db import Database, after_commit

if TYPE_CHECKING:  # a worker process never loads the web framework
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

disable_created_metrics()  # no *_created series: a counter's start time doubles the series for nothing here
REGISTRY = CollectorRegistry()  # its own, not the library's global one: /metrics shows exactly what is defined here
ProcessCollector(registry=REGISTRY)  # memory, CPU and open files of this process
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_JOB_SECONDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter("avatar_http_requests", "HTTP requests answered, by route template and status.",
                        ["method", "route", "status"], registry=REGISTRY)
HTTP_LATENCY = Histogram("avatar_http_request_duration_seconds",
                         "Time until a response's headers went out, by route template.",
                         ["method", "route"], buckets=_SECONDS, registry=REGISTRY)
GENERATIONS_CREATED = Counter("avatar_generations_created", "Generations queued (a retry makes a new one).",
                              ["provider", "source"], registry=REGISTRY)
GENERATIONS_FINISHED = Counter("avatar_generations_finished", "Generations that reached an end state.",
                               ["status", "provider"], registry=REGISTRY)
GENERATION_DURATION = Histogram("avatar_generation_duration_seconds",
                                "From the claim to the saved avatar, for completed generations.",
                                ["provider"], buckets=_JOB_SECONDS, registry=REGISTRY)
GENERATION_QUEUE_WAIT = Histogram("avatar_generation_queue_wait_seconds",
                                  "From ready (queued, or a retry's backoff over) to claimed, per attempt.",
                                  ["provider"], buckets=_JOB_SECONDS, registry=REGISTRY)
GENERATION_RETRIES = Counter("avatar_generation_retries", "Attempts sent back to the queue, by error code.",
                             ["error_code"], registry=REGISTRY)
GENERATION_FAILURES = Counter("avatar_generation_failures", "Generations that ended failed, by error code.",
                              ["error_code"], registry=REGISTRY)
CREDITS_CHARGED = Counter("avatar_credits_charged", "Credits debited, by what they paid for.",
                          ["reference"], registry=REGISTRY)
CREDITS_REFUNDED = Counter("avatar_credits_refunded", "Credits given back, by what was refunded.",
                           ["reference"], registry=REGISTRY)
UPLOADS = Counter("avatar_uploads", "Photos uploaded and stored as avatars.", registry=REGISTRY)
UPLOAD_BYTES = Counter("avatar_upload_bytes", "Bytes of the uploaded photos as received.", registry=REGISTRY)
WORKER_HEARTBEATS = Counter("avatar_worker_heartbeats", "Heartbeats this process's worker pool wrote.",
                            registry=REGISTRY)
WORKER_LAST_HEARTBEAT = Gauge("avatar_worker_last_heartbeat_timestamp_seconds",
                              "When this process's worker pool last wrote its heartbeat (Unix time).",
                              registry=REGISTRY)


def on_commit(session: Session, count: Callable[[], None]) -> None:
    """Count an event once ``session``'s transaction commits; never if it rolls back."""
    after_commit(session, count)


QueueDepth = tuple[dict[str, int], float | None]  # jobs by status, and the oldest ready pending job's age (seconds)


class ScrapeCollector(Collector):
    """What is read when Prometheus scrapes: the queue (one cheap grouped query) and, on an API process, the event
    streams open in it."""

    def __init__(self, read_queue: Callable[[], QueueDepth], stream_count: Callable[[], int] | None = None):
        self._read_queue = read_queue
        self._stream_count = stream_count

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts, oldest_age = self._read_queue()
        depth = GaugeMetricFamily("avatar_queue_jobs", "Generations waiting or running now, by status.",
                                  labels=["status"])
        for status in ("pending", "processing"):
            depth.add_metric([status], counts.get(status, 0))
        yield depth
        yield GaugeMetricFamily("avatar_queue_oldest_pending_age_seconds",
                                "How long the oldest ready pending generation has waited (0: none).",
                                value=oldest_age or 0.0)
        if self._stream_count is not None:
            yield GaugeMetricFamily("avatar_sse_streams", "Live event streams open in this process.",
                                    value=self._stream_count())


def exposition(scraped: CollectorRegistry) -> bytes:
    """This process's counters, then what ``scraped`` reads now, in Prometheus' text format."""
    return generate_latest(REGISTRY) + generate_latest(scraped)


def scrape_registry(collector: ScrapeCollector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)  # describing would run the query at registration
    registry.register(collector)
    return registry


def authorised(authorization: str | None, token: str | None) -> bool:
    """No token set, or ``Authorization: Bearer <token>`` (compared in constant time)."""
    if not token:
        return True
    scheme, _, value = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


class HttpMetrics:
    """Counts every response by method, route template (never the raw path: ids would explode the series) and
    status; pure ASGI, so streams pass untouched."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before any response becomes the server's 500
        latency: float | None = None

        async def send_noting_status(message: Message) -> None:
            nonlocal status, latency
            if message["type"] == "http.response.start":
                status, latency = message["status"], time.perf_counter() - started
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started if latency is None else latency)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Scrapes are not worth a log line each."""


def serve_worker_metrics(*, host: str, port: int, collector: ScrapeCollector, token: str | None) -> ThreadingWSGIServer:
    """A ``worker`` process's ``/metrics`` on ``host:port``, served from a daemon thread; ``shutdown()`` stops it."""
    registry = scrape_registry(collector)
    def app(environ, start_response):
        if not authorised(environ.get("HTTP_AUTHORIZATION"), token):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")])
            return [b"Metrics need Authorization: Bearer <AVATAR_METRICS_TOKEN>.\n"]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [exposition(registry)]

    server = make_server(host, port, app, ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="avatar-metrics", daemon=True).start()
    return server


def queue_reader(database: Database, read: Callable[[Session], QueueDepth]) -> Callable[[], QueueDepth]:
    """``read`` in a short read-only session of ``database``."""
    def read_queue() -> QueueDepth:
        with database.session(write=False) as session:
            return read(session)
    return read_queue
