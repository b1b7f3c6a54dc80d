"""Security headers on pages, files and the API, and templates that keep nothing the Content-Security-Policy blocks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from avatar_creator.app import create_app
from avatar_creator.security_headers import content_security_policy
from tests.support.factories import create_project, register
from tests.support.settings import make_settings
from tests.support.uploads import create_avatar
from tests.support.web import sign_up

TEMPLATES = Path(__file__).resolve().parents[1] / "avatar_creator" / "web" / "templates"
EXPECTED = {"x-frame-options": "DENY", "referrer-policy": "same-origin", "x-content-type-options": "nosniff"}


def assert_secured(response, *, hsts: bool = False) -> None:
    assert response.status_code == 200, response.text
    assert {name: response.headers.get(name) for name in EXPECTED} == EXPECTED
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert ("strict-transport-security" in response.headers) is hsts


@pytest.mark.parametrize("cookie_secure", [False, True], ids=["http", "https"])
def test_pages_files_and_the_api_carry_the_security_headers(tmp_path, database_url, cookie_secure):
    settings = make_settings(tmp_path, database_url, cookie_secure=cookie_secure)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        assert_secured(client.get("/signin"), hsts=cookie_secure)

        user = register(client)
        project = create_project(client, user["headers"])
        avatar = create_avatar(client, user, project["id"])
        assert avatar["baseImageUrl"].startswith("/uploads/")
        assert_secured(client.get(avatar["baseImageUrl"]), hsts=cookie_secure)
        assert_secured(client.get("/api/auth/me", headers=user["headers"]), hsts=cookie_secure)

        sign_up(client, "headers@example.com")
        project_url = client.post("/projects", data={"csrf_token": client.cookies["avatar_csrf"], "name": "Web"},
                                  follow_redirects=False).headers["location"]
        assert_secured(client.get(project_url), hsts=cookie_secure)

        docs = client.get("/docs")  # FastAPI's docs run inline scripts from a CDN: no CSP, the other headers kept
        assert "content-security-policy" not in docs.headers and docs.headers["x-frame-options"] == "DENY"


# What a policy of 'self' alone would block: inline scripts and styles, handlers in attributes, and htmx features
# that eval (hx-trigger filters, js: values, hx-on).
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|hx-on|hx-vals=[\"']js:|javascript:"
                    r"|hx-trigger=\"[^\"]*\[")


def test_the_templates_keep_nothing_the_policy_blocks():
    found = {path.relative_to(TEMPLATES).as_posix(): INLINE.findall(path.read_text())
             for path in TEMPLATES.rglob("*.html")}
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_images_may_also_come_from_the_public_url():
    assert "img-src 'self' blob:;" in content_security_policy(None)
    assert "img-src 'self' blob: https://avatars.example.com;" in content_security_policy(
        "https://avatars.example.com/base")
