"""The cap on concurrent decodes, against a real server: a burst of simultaneous uploads from one asyncio client is
answered with 201s and quick 503s (``Retry-After``), never a hang or a 500, and a refused upload keeps nothing."""

from __future__ import annotations

import asyncio

import anyio
import httpx
import pytest
from PIL import ExifTags, Image

from tests.support.load import Answer, User, _timed, deployment, sign_up
from tests.support.uploads import jpeg, multipart, upload_path

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.serial]

USERS = 4  # admission lets one client have 8 requests in flight: several users put more than that in the burst
UPLOADS_PER_USER = 6
WAIT_SECONDS = 0.2
# A refused upload waits WAIT_SECONDS for a slot; the rest is slack for a loaded 2-core machine (measured by the
# server's own Server-Timing, not the busy client's clock).
REFUSAL_SERVER_S = 2.0


def _rotated_photo() -> bytes:
    """A photo the server must decode in full and re-encode (its EXIF says to turn it): slow enough to queue behind."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    return jpeg(2000, 1500, exif=exif)


async def _burst(base_url: str, users: list[User], image: bytes) -> list[tuple[User, Answer]]:
    body, content_type = multipart([("image", "photo.jpg", image), ("name", None, "Burst")])
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        with anyio.fail_after(60):  # a hang fails here rather than stalling the suite
            sent = [(user, _timed(client, "upload", index, "POST", upload_path(user.project_id), content=body,
                                  headers={**user.headers, "Content-Type": content_type}))
                    for user in users for index in range(UPLOADS_PER_USER)]
            answers = await asyncio.gather(*(request for _, request in sent))
    return [(user, answer) for (user, _), answer in zip(sent, answers, strict=True)]


def _kept(base_url: str, user: User) -> tuple[int, int]:
    """The user's avatar count and credit balance, as the API reports them."""
    with httpx.Client(base_url=base_url, headers=user.headers, timeout=30) as http:
        avatars = http.get("/api/apps/avatar-creator/avatars", params={"projectId": user.project_id, "limit": 50})
        balance = http.get("/api/credits/balance")
    return len(avatars.json()["avatars"]), balance.json()["data"]["balance"]


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_a_burst_past_the_cap_gets_201s_and_quick_503s(tmp_path, database_url):
    with deployment(tmp_path / "data", database_url, max_concurrent_decodes=1, decode_wait_seconds=WAIT_SECONDS,
                    welcome_bonus=1000) as service:
        users = [sign_up(service.base_url, f"burst{index}@example.com") for index in range(USERS)]
        answers = await _burst(service.base_url, users, _rotated_photo())
        statuses = sorted(answer.status for _, answer in answers)
        assert set(statuses) == {201, 503}, statuses
        for _, answer in answers:
            if answer.status == 503:
                assert answer.retry_after == "1" and answer.body["error"]["code"] == "SERVICE_UNAVAILABLE"
                assert answer.server_seconds is not None and answer.server_seconds < REFUSAL_SERVER_S, answer
        for user in users:  # each accepted upload stored and charged once, each refused one not at all
            stored = sum(1 for owner, answer in answers if owner is user and answer.status == 201)
            assert _kept(service.base_url, user) == (stored, 1000 - 2 * stored)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_uploads_over_the_cap_queue_for_a_slot_when_the_wait_allows(tmp_path, database_url):
    with deployment(tmp_path / "data", database_url, max_concurrent_decodes=1, decode_wait_seconds=30,
                    welcome_bonus=1000) as service:
        user = sign_up(service.base_url, "patient@example.com")
        answers = await _burst(service.base_url, [user], _rotated_photo())
        assert [answer.status for _, answer in answers] == [201] * UPLOADS_PER_USER
        assert _kept(service.base_url, user) == (UPLOADS_PER_USER, 1000 - 2 * UPLOADS_PER_USER)
