"""The account page in a real browser, with a second browser signed in as the same person: change the password (the
other's next request is refused), revoke a session, download the export, delete the account; axe finds no serious or
critical issue; screenshots at 1280 px (and the phone width)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from tests.support.accounts import NEW_PASSWORD
from tests.support.factories import PASSWORD
from tests.support.web import DESKTOP, assert_accessible, register_user, screenshot

pytest.importorskip("playwright", reason="playwright is not installed (pip install -e '.[dev]')")
from playwright.sync_api import expect  # noqa: E402


def sign_in(page, email: str, password: str) -> None:
    page.goto("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/projects$"))


def me_status(page) -> int:
    return page.request.get("/api/auth/me").status


def test_the_account_page_changes_the_password_revokes_exports_and_deletes(page, browser, live_server):
    email = register_user(page, name="Ada Lovelace")
    other = browser.new_context(base_url=live_server.url, viewport=DESKTOP).new_page()
    sign_in(other, email, PASSWORD)

    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", level=1, name="Account")).to_be_visible()
    expect(page.locator(".session-row")).to_have_count(2)
    assert_accessible(page)
    screenshot(page, "account")

    page.get_by_label("Current password", exact=True).nth(1).fill(PASSWORD)
    page.locator("#password-newPassword").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status").filter(has_text="Password changed")).to_be_visible()
    assert me_status(other) == 401
    expect(page.locator(".session-row")).to_have_count(1)

    sign_in(other, email, NEW_PASSWORD)
    page.reload()
    expect(page.locator(".session-row")).to_have_count(2)
    page.locator(".session-row").filter(has_not_text="This device").get_by_role("button").click()
    expect(page.get_by_role("status").filter(has_text="That session is signed out")).to_be_visible()
    expect(page.locator(".session-row")).to_have_count(1)
    assert me_status(other) == 401
    other.context.close()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    data = json.loads(archive.read("data.json"))
    assert data["user"]["email"] == email and data["ledger"][0]["type"] == "bonus"

    page.locator("#delete-password").fill(NEW_PASSWORD)
    page.get_by_label("Type your email to confirm").fill("someone-else@example.com")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator("#delete-confirmEmail-error")).to_contain_text("type the email of this account")
    assert_accessible(page)

    page.locator("#delete-password").fill(NEW_PASSWORD)
    page.get_by_label("Type your email to confirm").fill(email)
    page.get_by_role("button", name="Delete my account").click()
    expect(page).to_have_url(re.compile(r"/register$"))
    expect(page.get_by_role("status").filter(has_text="Your account and everything in it are deleted")).to_be_visible()
    assert me_status(page) == 401


def test_forgot_password_page(page):
    page.goto("/signin")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status").filter(has_text="a link to choose a new password is on its way")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "account-forgot")
