"""Who the client is, against a real ``serve``: X-Forwarded-For counts only from a trusted proxy, and failed logins
are limited per email as well as per address, so rotating addresses buys no more guesses."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from fastapi.testclient import TestClient

from avatar_creator.app import create_app
from avatar_creator.errors import ConfigurationError
from avatar_creator.settings import load_settings
from tests.support.load import deployment, sign_up
from tests.support.settings import make_settings

GUESSES = 60
RIGHT_PASSWORD = "the right password 1"


async def failed_logins(base_url: str, *, forwarded: list[str], emails: list[str]) -> list[httpx.Response]:
    """One wrong-password login per (address, email), all at once, each naming its address in X-Forwarded-For."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        return await asyncio.gather(*(
            client.post("/api/auth/login", json={"email": email, "password": "a wrong guess"},
                        headers={"X-Forwarded-For": address})
            for address, email in zip(forwarded, emails, strict=True)))


def addresses(count: int) -> list[str]:
    return [f"198.51.{index // 250}.{index % 250 + 1}" for index in range(count)]


def assert_limited(response: httpx.Response, limit: int) -> None:
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["x-ratelimit-limit"] == str(limit)
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert int(response.headers["x-ratelimit-reset"]) > 0


def test_forwarded_for_from_an_untrusted_address_is_ignored(tmp_path, database_url):
    # The default: no trusted proxies, so 127.0.0.1 is the client however it names others.
    with deployment(tmp_path / "data", database_url, rate_limits="on", max_requests_per_client=GUESSES) as service:
        answers = asyncio.run(failed_logins(service.base_url, forwarded=addresses(GUESSES),
                                            emails=[f"nobody-{index}@example.com" for index in range(GUESSES)]))
    assert Counter(answer.status_code for answer in answers) == {401: 10, 429: GUESSES - 10}, service.logs()
    assert_limited(next(answer for answer in answers if answer.status_code == 429), 10)


def test_behind_a_trusted_proxy_the_forwarded_address_counts_and_each_email_has_a_limit(tmp_path, database_url):
    with deployment(tmp_path / "data", database_url, rate_limits="on", trusted_proxies="127.0.0.1") as service:
        base_url = service.base_url
        sign_up(base_url, "victim@example.com", password=RIGHT_PASSWORD)
        bystander = sign_up(base_url, "bystander@example.com", password=RIGHT_PASSWORD)

        # Each forwarded address guesses once: the per-address limit (10/minute) is never reached.
        spread = asyncio.run(failed_logins(base_url, forwarded=addresses(GUESSES),
                                           emails=[f"nobody-{index}@example.com" for index in range(GUESSES)]))
        assert Counter(answer.status_code for answer in spread) == {401: GUESSES}, service.logs()

        # One email guessed at from fresh addresses: its own limit (20/hour) holds, even against parallel guesses.
        guessed = asyncio.run(failed_logins(base_url, forwarded=addresses(2 * GUESSES)[GUESSES:],
                                            emails=["Victim@Example.com"] * GUESSES))
        assert Counter(answer.status_code for answer in guessed) == {401: 20, 429: GUESSES - 20}, service.logs()
        assert_limited(next(answer for answer in guessed if answer.status_code == 429), 20)

        right = httpx.post(f"{base_url}/api/auth/login", headers={"X-Forwarded-For": "192.0.2.1"},
                           json={"email": "victim@example.com", "password": RIGHT_PASSWORD})
        assert right.status_code == 429  # until the window frees, the email takes no logins at all
        other = httpx.post(f"{base_url}/api/auth/login", headers={"X-Forwarded-For": "192.0.2.1"},
                           json={"email": "bystander@example.com", "password": RIGHT_PASSWORD})
        assert other.status_code == 200 and other.json()["data"]["user"]["id"] == bystander.user_id


def test_a_trusted_proxy_is_an_address_or_a_network():
    assert load_settings(_env_file=None, trusted_proxies="10.0.0.0/8, 127.0.0.1").trusted_proxies == [
        "10.0.0.0/8", "127.0.0.1"]
    with pytest.raises(ConfigurationError, match=r"^AVATAR_TRUSTED_PROXIES: .*'proxy\.local' is not an IP"):
        load_settings(_env_file=None, trusted_proxies="10.0.0.0/8, proxy.local")


def test_the_web_sign_in_counts_against_the_same_per_email_limit(tmp_path, database_url):
    settings = make_settings(tmp_path, database_url, rate_limits="on", rate_limit_login_failures="2/hour")
    with TestClient(create_app(settings)) as client:
        client.get("/signin")

        def sign_in(password: str):
            return client.post("/signin", data={"csrf_token": client.cookies["avatar_csrf"],
                                                "email": "web-victim@example.com", "password": password})

        assert [sign_in("a wrong guess").status_code for _ in range(2)] == [400, 400]
        refused = sign_in("a third guess")
        assert refused.status_code == 429 and "retry-after" in refused.headers
        assert "text/html" in refused.headers["content-type"]
        # The API shares the count: the same email is refused there too.
        api = client.post("/api/auth/login", json={"email": "WEB-victim@example.com", "password": "x" * 12})
        assert api.status_code == 429 and api.headers["x-ratelimit-limit"] == "2"
