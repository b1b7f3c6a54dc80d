"""Prometheus metrics: scraped from a real app while generations run, each counter moved by exactly its events."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from avatar_creator.app import create_app
from avatar_creator.db import Database
from avatar_creator.errors import ConfigurationError
from avatar_creator.events import EventSink
from avatar_creator.generation import lifecycle
from avatar_creator.jobs.doorbell import LocalDoorbell
from avatar_creator.jobs.queue import Signals
from avatar_creator.providers.base import PROVIDER_BAD_REQUEST, PROVIDER_UNAVAILABLE, ProviderError
from avatar_creator.settings import load_settings
from tests.support.events import EVENTS_PATH, LiveServer
from tests.support.factories import create_project, generate, register, wait_for_generations
from tests.support.jobs import ScriptedProvider, running_service
from tests.support.processes import ServiceProcess, free_port, service_env
from tests.support.settings import make_settings
from tests.support.uploads import jpeg, upload

API = "/api/apps/avatar-creator"
GENERATE_ROUTE = f"{API}/projects/{{project_id}}/avatars/generate"
ROOT = Path(__file__).parent.parent
TOKEN = "metrics-token-" + "m" * 24


class Scrape:
    """One scrape of ``/metrics``: every sample, summed over the samples whose labels include the ones asked for."""

    def __init__(self, text: str):
        self.samples = [sample for family in text_string_to_metric_families(text) for sample in family.samples]

    def value(self, name: str, **labels: str) -> float:
        return sum(sample.value for sample in self.samples if sample.name == name
                   and all(sample.labels.get(key) == value for key, value in labels.items()))

    def routes(self) -> set[str]:
        return {sample.labels["route"] for sample in self.samples if sample.name == "avatar_http_requests_total"}


def scrape(client, headers: dict | None = None) -> Scrape:
    response = client.get("/metrics", headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return Scrape(response.text)


def moved(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


def test_twenty_generations_one_failed_one_cancelled_one_retried_move_every_metric_by_exactly_that(
        tmp_path, database_url, ledger):
    provider = ScriptedProvider([ProviderError(PROVIDER_UNAVAILABLE, "busy", retryable=True),
                                 ProviderError(PROVIDER_BAD_REQUEST, "refused")], step_delay_ms=40)
    with running_service(tmp_path, database_url, providers={"offline": provider}, metrics="on", workers=2,
                         welcome_bonus=1000, retry_base_seconds=0, heartbeat_seconds=0.2) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        before = scrape(client)
        ids = [generation["id"] for _ in range(5)
               for generation in generate(client, user["headers"], project["id"], count=4)["generations"]]
        cancelled = client.post(f"{API}/generations/{ids[-1]}/cancel", headers=user["headers"])
        assert cancelled.status_code == 200, cancelled.text
        during = scrape(client)
        assert during.value("avatar_queue_jobs", status="pending") + \
            during.value("avatar_queue_jobs", status="processing") >= 1
        finished = wait_for_generations(client, user["headers"], ids)
        after = scrape(client)

    statuses = [generation["status"] for generation in finished]
    assert (statuses.count("completed"), statuses.count("failed"), statuses.count("cancelled")) == (18, 1, 1)
    assert moved(before, after, "avatar_generations_created_total", provider="offline", source="text_to_image") == 20
    for status, count in (("completed", 18), ("failed", 1), ("cancelled", 1)):
        assert moved(before, after, "avatar_generations_finished_total", status=status, provider="offline") == count
    assert moved(before, after, "avatar_generation_failures_total") == 1
    assert moved(before, after, "avatar_generation_failures_total", error_code=PROVIDER_BAD_REQUEST) == 1
    assert moved(before, after, "avatar_generation_retries_total") == 1
    assert moved(before, after, "avatar_generation_retries_total", error_code=PROVIDER_UNAVAILABLE) == 1
    assert moved(before, after, "avatar_credits_charged_total", reference="generation_batch") == 200
    assert moved(before, after, "avatar_credits_refunded_total", reference="generation") == 20

    # The histograms hold one observation per completed generation and per claim, with the database's own spans.
    rows = ledger.generations(user["user"]["id"])
    completed = [row for row in rows if row.status == "completed"]
    assert moved(before, after, "avatar_generation_duration_seconds_count", provider="offline") == 18
    assert moved(before, after, "avatar_generation_duration_seconds_sum", provider="offline") == pytest.approx(
        sum((row.completed_at - row.started_at).total_seconds() for row in completed), abs=1e-3)
    assert moved(before, after, "avatar_generation_queue_wait_seconds_count", provider="offline") == \
        sum(row.attempt for row in rows)  # every claim, the retried one's two included; the cancelled one's if any

    # HTTP: by route template, never the raw path, with the status answered.
    assert moved(before, after, "avatar_http_requests_total", method="POST", route=GENERATE_ROUTE,
                 status="202") == 5
    assert moved(before, after, "avatar_http_request_duration_seconds_count", method="POST",
                 route=GENERATE_ROUTE) == 5
    assert not [route for route in after.routes() if project["id"] in route or ids[0] in route]
    assert after.value("avatar_queue_jobs", status="pending") == 0
    assert after.value("avatar_queue_jobs", status="processing") == 0
    assert after.value("avatar_queue_oldest_pending_age_seconds") == 0
    assert moved(before, after, "avatar_worker_heartbeats_total") > 0  # a beat every 0.2 s for over a second
    assert after.value("avatar_worker_last_heartbeat_timestamp_seconds") > 0
    ledger.assert_exact(user["user"]["id"])


def test_a_rolled_back_cancel_counts_nothing_and_a_committed_one_counts_once(tmp_path, database_url):
    with running_service(tmp_path, database_url, metrics="on") as client:
        user = register(client)
        project = create_project(client, user["headers"])
        generation_id = generate(client, user["headers"], project["id"])["generation"]["id"]
        before = scrape(client)
        database = Database(database_url, pool_size=1)
        signals = Signals(doorbell=LocalDoorbell(), events=EventSink())
        with pytest.raises(RuntimeError), database.session() as session:
            lifecycle.cancel(session=session, user_id=user["user"]["id"], generation_id=generation_id,
                             signals=signals)
            raise RuntimeError("rolled back")
        rolled_back = scrape(client)
        with database.session() as session:
            lifecycle.cancel(session=session, user_id=user["user"]["id"], generation_id=generation_id,
                             signals=signals)
        database.dispose()
        committed = scrape(client)
    for name, labels in (("avatar_generations_finished_total", {"status": "cancelled"}),
                         ("avatar_credits_refunded_total", {"reference": "generation"})):
        assert moved(before, rolled_back, name, **labels) == 0
        assert moved(rolled_back, committed, name, **labels) == (1 if "finished" in name else 10)


def test_uploads_count_their_bytes_and_the_queue_and_streams_are_read_at_scrape_time(tmp_path, database_url):
    server = LiveServer(create_app(make_settings(tmp_path, database_url, metrics="on")))  # no worker: jobs stay
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client, \
                httpx.Client(base_url=server.url, timeout=10) as streaming:
            user = register(client)
            project = create_project(client, user["headers"])
            before = scrape(client)
            photo = jpeg()
            assert upload(client, user, project["id"], photo).status_code == 201
            for _ in range(3):
                generate(client, user["headers"], project["id"])
            with streaming.stream("GET", EVENTS_PATH, headers=user["headers"]) as stream:
                assert stream.status_code == 200
                during = scrape(client)
            closed = _eventually(lambda: scrape(client), lambda now: now.value("avatar_sse_streams") == 0)
    finally:
        server.stop()
    assert moved(before, during, "avatar_uploads_total") == 1
    assert moved(before, during, "avatar_upload_bytes_total") == len(photo)
    assert moved(before, during, "avatar_credits_charged_total", reference="avatar") == 2
    assert during.value("avatar_queue_jobs", status="pending") == 3
    assert during.value("avatar_queue_jobs", status="processing") == 0
    assert during.value("avatar_queue_oldest_pending_age_seconds") > 0
    assert during.value("avatar_sse_streams") == 1
    assert closed.value("avatar_sse_streams") == 0


def _eventually(read, done, timeout: float = 5.0):
    """``read()`` until ``done`` holds for it (a stream's clean-up runs after its response ends)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_metrics_are_off_by_default_and_a_token_guards_them(tmp_path, database_url):
    with running_service(tmp_path, database_url) as client:
        assert client.get("/metrics").status_code == 404
        assert "/metrics" not in client.get("/openapi.json").json()["paths"]
    with running_service(tmp_path, database_url, metrics="on", metrics_token=TOKEN) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            refused = client.get("/metrics", headers=headers)
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "UNAUTHORIZED"
            assert TOKEN not in refused.text
        assert scrape(client, {"Authorization": f"Bearer {TOKEN}"}).value("avatar_http_requests_total",
                                                                          route="/metrics", status="401") >= 3


@pytest.mark.slow
def test_a_worker_process_counts_the_jobs_it_ran_and_the_api_process_only_what_it_did(tmp_path, database_url):
    port = free_port()
    env = service_env(tmp_path / "data", database_url, metrics_token=TOKEN, heartbeat_seconds=0.2)
    worker = ServiceProcess(["worker", "--concurrency", "2", "--metrics-port", str(port)], env,
                            tmp_path / "worker.log").start()
    worker_url = f"http://127.0.0.1:{port}/metrics"
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with running_service(tmp_path, database_url, metrics="on", metrics_token=TOKEN) as client:  # no workers
            worker_before = Scrape(_eventually(lambda: _get(worker_url, bearer), lambda text: text is not None,
                                               timeout=60) or "")
            api_before = scrape(client, bearer)
            user = register(client)
            project = create_project(client, user["headers"])
            ids = [g["id"] for g in generate(client, user["headers"], project["id"], count=4)["generations"]]
            wait_for_generations(client, user["headers"], ids)
            api_after = scrape(client, bearer)
            assert httpx.get(worker_url, timeout=5).status_code == 401
            worker_after = Scrape(_get(worker_url, bearer))
    except BaseException:
        print(worker.log_tail())
        raise
    finally:
        worker.stop()
    completed = {"status": "completed", "provider": "offline"}
    assert moved(worker_before, worker_after, "avatar_generations_finished_total", **completed) == 4
    assert moved(worker_before, worker_after, "avatar_generation_queue_wait_seconds_count") == 4
    assert moved(worker_before, worker_after, "avatar_generations_created_total") == 0
    assert moved(worker_before, worker_after, "avatar_worker_heartbeats_total") > 0
    assert moved(api_before, api_after, "avatar_generations_created_total") == 4
    assert moved(api_before, api_after, "avatar_generations_finished_total", **completed) == 0
    assert worker_after.value("avatar_queue_jobs", status="pending") == 0


def _get(url: str, headers: dict) -> str | None:
    """The body of a 200, or None while the server is not answering yet."""
    try:
        response = httpx.get(url, headers=headers, timeout=5)
    except httpx.TransportError:
        return None
    return response.text if response.status_code == 200 else None


def test_the_dashboard_and_docs_name_only_metrics_a_scrape_has_and_the_docs_list_them_all(tmp_path, database_url):
    with running_service(tmp_path, database_url, metrics="on") as client:
        response = client.get("/metrics")
    families = {family.name for family in text_string_to_metric_families(response.text)}  # described, even unmoved

    def family(name: str) -> str:
        return re.sub(r"_(total|bucket|count|sum)$", "", name)

    dashboard = (ROOT / "docs" / "grafana-dashboard.json").read_text()
    assert all(panel["targets"] for panel in json.loads(dashboard)["panels"])
    assert {family(name) for name in re.findall(r"\b(?:avatar|process)_\w+", dashboard)} - families == set()
    documented = re.findall(r"^\| `(avatar_\w+)`", (ROOT / "docs" / "metrics.md").read_text(), re.MULTILINE)
    assert sorted(family(name) for name in documented) == sorted(name for name in families
                                                                if name.startswith("avatar_"))


def test_a_short_metrics_token_stops_start_up_with_its_name():
    with pytest.raises(ConfigurationError, match="AVATAR_METRICS_TOKEN: .*at least 16 characters"):
        load_settings(_env_file=None, metrics_token="short")
    assert load_settings(_env_file=None, metrics_token="").metrics_token is None
