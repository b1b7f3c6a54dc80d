"""A 50 MB JSON body to sign-in and to project creation, without signing in, against a real ``serve``: 413 in under
a second, read no further than the limit (``AVATAR_MAX_JSON_BYTES``), and the server's memory barely moves.

Both ways a client can send it: with an honest Content-Length (refused before a byte is read) and chunked, with no
length at all (refused once the limit is passed). The body streams from the client; it is never built whole.
The client sends all of it before reading the answer (httpx does); once the 413 is out, uvicorn drops what still
arrives without keeping it, and the connection stays usable.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from avatar_creator.app import create_app
from tests.support.factories import create_project, register
from tests.support.load import PROJECTS, deployment
from tests.support.settings import make_settings
from tests.support.uploads import jpeg, multipart, upload

BODY_BYTES = 50 * 1024 * 1024
CHUNK = b'{"email": "' + b"x" * (64 * 1024 - 11)  # 64 KiB of one long JSON string, again and again
ANSWER_S = 1.0
RSS_GROWTH_BYTES = 20 * 1024 * 1024
TARGETS = ("/api/auth/login", PROJECTS)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


class Streamed:
    """A 50 MB body produced chunk by chunk; counts what the client managed to send."""

    def __init__(self) -> None:
        self.sent = 0

    async def __aiter__(self):
        while self.sent < BODY_BYTES:
            self.sent += len(CHUNK)
            yield CHUNK


SMALL_LIMIT = 1024


@pytest.fixture
def small_limit_client(tmp_path, database_url):
    with TestClient(create_app(make_settings(tmp_path, database_url, max_json_bytes=SMALL_LIMIT))) as client:
        yield client


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_limit_comes_before_sign_in_and_counts_undeclared_bodies(small_limit_client):
    client = small_limit_client
    at_limit = b'{"name": "' + b"x" * (SMALL_LIMIT - 12) + b'"}'
    assert len(at_limit) == SMALL_LIMIT
    json_type = {"Content-Type": "application/json"}
    assert client.post(PROJECTS, content=at_limit, headers=json_type).status_code == 401  # read, then not signed in
    over = at_limit + b" "
    for content in (over, iter([over[:500], over[500:]])):  # declared, and chunked with no length
        response = client.post(PROJECTS, content=content, headers=json_type)
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_multipart_gets_the_upload_allowance_only_where_it_is_streamed(small_limit_client):
    client = small_limit_client
    body, content_type = multipart([("email", None, "a@b.c"), ("password", None, "x" * SMALL_LIMIT)])
    response = client.post("/api/auth/login", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 413, response.text  # a JSON route would read it whole
    user = register(client)
    project = create_project(client, user["headers"])
    response = upload(client, user, project["id"], jpeg(300, 300))
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_web_form_over_the_limit_gets_the_error_page(small_limit_client):
    response = small_limit_client.post("/signin", data={"email": "a@b.c", "password": "x" * SMALL_LIMIT},
                                       headers={"Accept": "text/html"})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.serial  # timed
@pytest.mark.anyio
@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_50_mb_json_body_is_refused_within_a_second_unread(tmp_path, database_url):
    with deployment(tmp_path / "data", database_url, workers=0) as served:
        pid = served.processes[0].pid
        async with httpx.AsyncClient(base_url=served.base_url, timeout=10) as client:
            assert (await client.get("/health")).status_code == 200
            before = rss_bytes(pid)
            answers = []
            for target in TARGETS:
                for declared in (True, False):
                    body = Streamed()
                    headers = {"Content-Type": "application/json"}
                    if declared:
                        headers["Content-Length"] = str(BODY_BYTES)
                    started = time.monotonic()
                    response = await client.post(target, content=body, headers=headers)
                    answers.append((target, declared, response, time.monotonic() - started, body.sent))
            after = rss_bytes(pid)
    report = "\n".join(f"{target} declared={declared}: {response.status_code} in {seconds * 1000:.0f} ms, "
                       f"{sent / 2**20:.1f} MiB sent" for target, declared, response, seconds, sent in answers)
    print(f"\n{report}\nserver RSS {before / 2**20:.1f} -> {after / 2**20:.1f} MiB")
    for _target, _declared, response, seconds, _sent in answers:
        assert response.status_code == 413, report
        assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE", report
        assert seconds < ANSWER_S, report
    assert after - before < RSS_GROWTH_BYTES, f"server RSS {before} -> {after}\n{report}"
