"""JSON logs and request ids against a real ``serve``: request → worker → event path, one id throughout, no secret.

The generate request comes "through a trusted proxy" (127.0.0.1 is listed), naming its own ``X-Request-ID``; the
other requests get ids the service makes. The event stream is a request of its own, with its own id.
"""

from __future__ import annotations

import io
import json
import logging

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support.events import EVENTS_PATH, EventReader, follow
from tests.support.factories import PASSWORD, create_project, register
from tests.support.processes import free_port, serve, service_env, wait_until_serving

PROXY_ID = "proxy-7f3a.trace:42"


@pytest.mark.anyio
@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_line_of_a_generation_is_json_with_its_request_id_and_no_secret(tmp_path, database_url):
    env = service_env(tmp_path / "data", database_url, log_format="json", log_level="INFO",
                      trusted_proxies="127.0.0.1", offline_step_delay_ms=20)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = serve(env, tmp_path, port)
    secrets: list[str] = [PASSWORD]
    try:
        wait_until_serving(url, process)
        with httpx.Client(base_url=url, timeout=10) as http:
            user = register(http)
            login = http.post("/api/auth/login", json={"email": user["user"]["email"], "password": PASSWORD})
            secrets += [user["token"], login.json()["data"]["token"], *login.cookies.values()]
            project = create_project(http, user["headers"])
            ticket = http.post(f"{EVENTS_PATH}/ticket", headers=user["headers"]).json()["ticket"]
            secrets.append(ticket.rsplit(".", 1)[-1])
            async with httpx.AsyncClient(timeout=10) as client:
                async with client.stream("GET", url + EVENTS_PATH, params={"ticket": ticket}) as stream:
                    stream_id = stream.headers["x-request-id"]
                    reader = EventReader(stream)
                    await reader.next(kinds=("queue",))
                    reply = http.post(f"/api/apps/avatar-creator/projects/{project['id']}/avatars/generate",
                                      json={"name": "Ada", "prompt": "a friendly astronaut", "width": 256,
                                            "height": 256}, headers={**user["headers"], "X-Request-ID": PROXY_ID,
                                                            "X-Forwarded-For": "203.0.113.9"})
                    assert reply.status_code == 202 and reply.headers["x-request-id"] == PROXY_ID, reply.text
                    generation_id = reply.json()["generation"]["id"]
                    with anyio.fail_after(60):
                        await follow(reader, {generation_id})
            # A proxy's id that could forge a log line is not taken.
            forged = http.get("/health", headers={"X-Request-ID": 'x" injected\\n'})
            assert forged.headers["x-request-id"] != 'x" injected\\n' and len(forged.headers["x-request-id"]) == 32
    finally:
        process.terminate()

    text = process.log_path.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line parses
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    generate_lines = [line for line in lines if line.get("request_id") == PROXY_ID]
    assert any(line["message"].startswith("203.0.113.9:") and "/avatars/generate" in line["message"]  # the proxy's
               and line.get("user_id") == user["user"]["id"] for line in generate_lines), generate_lines  # client
    worker_lines = [line for line in lines if line.get("generation_id") == generation_id]
    assert [line["message"] for line in worker_lines] == [f"job {generation_id}: attempt 1 started",
                                                         f"job {generation_id}: attempt 1 completed"]
    assert all(line["request_id"] == PROXY_ID and line["user_id"] == user["user"]["id"] for line in worker_lines)
    stream_lines = [line for line in lines if EVENTS_PATH in line["message"] and "ticket=" in line["message"]]
    assert stream_lines and all(line.get("request_id") == stream_id for line in stream_lines)
    assert "ticket=[redacted]" in stream_lines[0]["message"]
    for secret in secrets:
        assert secret not in text


def test_an_id_from_an_untrusted_client_is_replaced(settings):
    from avatar_creator.app import create_app

    settings.trusted_proxies = ["10.0.0.0/8"]  # the test client is not among them
    with TestClient(create_app(settings)) as client:
        answers = [client.get(path, headers={"X-Request-ID": "chosen-by-the-client"})
                   for path in ("/health", "/health", "/api/no-such-thing")]
    assert answers[2].status_code == 404  # refusals carry their id too
    ids = [answer.headers["x-request-id"] for answer in answers]
    assert "chosen-by-the-client" not in ids and len(set(ids)) == 3


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_both_formats_name_the_context_and_redact_messages_and_tracebacks(log_format):
    from avatar_creator import logs

    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logs.JsonFormatter() if log_format == "json" else logs.TextFormatter())
    handler.addFilter(logs.RedactSecrets())
    handler.addFilter(logs.AddContext())
    logger = logging.getLogger("avatar_creator.test_formats")
    logger.addHandler(handler)
    try:
        with logs.log_context(request_id="r-1", generation_id="g-1"):
            logs.add_to_context(user_id="u-1")
            try:
                raise RuntimeError("fetching /uploads/a.png?exp=1&sig=SECRETSIG failed")
            except RuntimeError:
                logger.exception("could not read %s", "/events?ticket=SECRETTICKET")
        logger.warning("outside any request")
    finally:
        logger.removeHandler(handler)
    first, *rest = handler.stream.getvalue().split("\n" if log_format == "json" else "\nTraceback")
    text = handler.stream.getvalue()
    assert "SECRETSIG" not in text and "SECRETTICKET" not in text and "sig=[redacted]" in text
    if log_format == "json":
        line = json.loads(first)
        assert line["request_id"] == "r-1" and line["user_id"] == "u-1" and line["generation_id"] == "g-1"
        assert "RuntimeError" in line["exception"] and "request_id" not in json.loads(rest[-2])
    else:
        assert first.endswith("could not read /events?ticket=[redacted] request_id=r-1 user_id=u-1 generation_id=g-1")
        assert text.rstrip().endswith("outside any request")
