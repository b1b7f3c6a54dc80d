"""The admin area and the tokens section in a real browser: an admin finds a user, grants credits (the user's header
balance moves live in their own browser), cancels their job, disables them and reads it all in the audit log."""

from __future__ import annotations

import re

import pytest

from avatar_creator.auth import service as auth_service
from avatar_creator.db import Database
from tests.support.factories import GENERATE_BODY
from tests.support.web import assert_accessible, register_user, screenshot

pytest.importorskip("playwright", reason="playwright is not installed (pip install -e '.[dev]')")
from playwright.sync_api import expect  # noqa: E402

API = "/api/apps/avatar-creator"


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, str]:
    """No workers: a member's job stays pending until the admin cancels it."""
    return {"AVATAR_WORKERS": "0"}


def url_path(path: str) -> re.Pattern:
    return re.compile(rf"^https?://[^/]+{re.escape(path)}$")


def _promote(database_url: str, email: str) -> None:
    """What ``avatar-creator users set-role EMAIL admin`` does."""
    database = Database(database_url, pool_size=1)
    try:
        with database.session() as session:
            auth_service.set_role(session=session, email=email, role="admin")
    finally:
        database.dispose()


def _member_with_a_pending_job(member) -> str:
    """Sign a user up in ``member``'s browser and queue one generation for them; returns their email."""
    email = register_user(member, name="Grace Hopper")
    csrf = {"X-CSRF-Token": next(c["value"] for c in member.context.cookies() if c["name"] == "avatar_csrf")}
    project = member.request.post(f"{API}/projects", data={"name": "Portraits"}, headers=csrf).json()["project"]
    queued = member.request.post(f"{API}/projects/{project['id']}/avatars/generate",
                                 data={**GENERATE_BODY, "name": "Grace at sea"}, headers=csrf)
    assert queued.status == 202, queued.text()
    member.goto("/projects")
    expect(member.locator("#credit-balance")).to_have_text("90")
    return email


def test_an_admin_grants_credits_live_cancels_a_job_disables_the_user_and_audits_it(page, other_page, live_server):
    member = other_page
    member_email = _member_with_a_pending_job(member)
    admin_email = register_user(page, name="Ada Admin")
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    _promote(live_server.database_url, admin_email)
    page.reload()
    page.get_by_role("link", name="Admin").click()
    expect(page).to_have_url(url_path("/admin"))

    page.get_by_label("Email or name").fill("Grace")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("row")).to_have_count(2)  # the header and Grace
    assert_accessible(page)
    screenshot(page, "admin-users")
    page.get_by_role("link", name=member_email).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(member_email)

    page.get_by_label("Amount").fill("50")
    page.get_by_label("Reason").fill("Sorry for the outage")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status").filter(has_text="Granted 50 credits")).to_be_visible()
    expect(member.locator("#credit-balance")).to_have_text("140")  # live: the member's page was not reloaded

    page.get_by_role("button", name="Cancel Grace at sea").click()
    expect(page.get_by_role("status").filter(has_text="10 credits went back")).to_be_visible()
    expect(member.locator("#credit-balance")).to_have_text("150")
    page.get_by_role("link", name=member_email).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(member_email)
    assert_accessible(page)
    screenshot(page, "admin-user")
    page.get_by_role("button", name="Disable account").click()
    expect(page.get_by_role("status").filter(has_text="sessions and tokens have ended")).to_be_visible()
    member.reload()
    expect(member).to_have_url(url_path("/signin?next=/projects"))

    page.get_by_role("link", name="Audit log").click()
    rows = page.get_by_role("row")
    expect(rows).to_have_count(4)
    for index, action in enumerate(("user.disable", "generation.cancel", "credits.grant"), start=1):
        expect(rows.nth(index)).to_contain_text(action)
    assert_accessible(page)
    screenshot(page, "admin-audit")

    page.get_by_role("link", name="Queue").click()
    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.locator("svg.chart rect.bar-cancelled")).to_have_count(1)
    assert_accessible(page)
    screenshot(page, "admin-queue")
    page.get_by_role("link", name="Providers and workers").click()
    expect(page.get_by_role("status").filter(has_text="Ready")).to_be_visible()
    with page.expect_response(re.compile("/admin/system/checks")):  # it keeps itself up to date
        pass
    assert_accessible(page)
    screenshot(page, "admin-system")


def test_a_token_is_shown_once_works_within_its_scope_and_is_revoked(page):
    register_user(page)
    page.goto("/account/tokens")
    expect(page.get_by_text("No tokens yet.")).to_be_visible()
    page.get_by_label("Name").fill("Chat app")
    page.get_by_label(re.compile("Record avatar usage")).check()
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("Token “Chat app”").input_value()
    assert secret.startswith("act_")
    assert_accessible(page)
    screenshot(page, "tokens-created")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert page.request.get(f"{API}/avatars", headers=bearer).status == 403  # outside its scope

    page.reload()
    expect(page.locator("#new-token-secret")).to_have_count(0)  # shown once
    expect(page.get_by_text(secret[:12])).to_be_visible()
    page.get_by_role("button", name="Revoke Chat app").click()
    expect(page.get_by_role("status").filter(has_text="Token revoked")).to_be_visible()
    expect(page.get_by_text("No tokens yet.")).to_be_visible()
    assert page.request.get(f"{API}/avatars", headers=bearer).status == 401
    screenshot(page, "tokens")
