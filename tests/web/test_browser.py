"""The web app in a real browser: sign-in, projects, credits and CSRF, as a person uses them (keyboard included)."""

from __future__ import annotations

import re

import pytest

from tests.support.factories import PASSWORD
from tests.support.web import register_user, screenshot

pytest.importorskip("playwright", reason="playwright is not installed (pip install -e '.[dev]')")
from playwright.sync_api import expect  # noqa: E402


def url_path(path: str) -> re.Pattern:
    return re.compile(rf"^https?://[^/]+{re.escape(path)}$")


def test_visitor_registers_signs_out_and_signs_back_in(page):
    page.goto("/")
    expect(page).to_have_url(url_path("/signin"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "signin")

    page.get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(url_path("/register"))
    email = register_user(page)
    expect(page.locator("#credit-balance")).to_have_text("100")
    expect(page.get_by_role("status").filter(has_text="Welcome")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(url_path("/signin"))
    expect(page.get_by_role("status").filter(has_text="You are signed out")).to_be_visible()

    page.goto("/credits")
    expect(page).to_have_url(url_path("/signin?next=/credits"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    expect(page.locator("[data-toast]").filter(has_text="Email or password is incorrect.")).to_have_count(0)
    expect(page.get_by_label("Email")).to_have_value(email)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page).to_have_url(url_path("/credits"))


def test_refused_registration_shows_the_message_next_to_the_field(page):
    email = register_user(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(url_path("/signin"))

    page.goto("/register")
    page.get_by_label("Email").fill(email.upper())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    email_field = page.get_by_label("Email")
    expect(email_field).to_have_attribute("aria-invalid", "true")
    message = page.locator(f"#{email_field.get_attribute('aria-describedby')}")
    expect(message).to_have_text("An account with this email already exists.")
    expect(page.get_by_role("alert")).to_have_text("Please check the marked fields.")
    expect(page.locator("[data-toast]").filter(has_text="An account with this email already exists.")).to_have_count(0)


def test_projects_are_created_renamed_and_deleted_with_the_keyboard(page):
    register_user(page)
    expect(page.get_by_role("heading", name="No projects yet")).to_be_visible()

    for name in ("Team portraits", "Fantasy cast"):
        page.goto("/projects")
        page.get_by_role("button", name="New project").focus()
        page.keyboard.press("Enter")
        dialog = page.get_by_role("dialog", name="New project")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_label("Name")).to_be_focused()
        page.keyboard.type(name)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        expect(page.get_by_role("status").filter(has_text=f"Created “{name}”")).to_be_visible()
    screenshot(page, "project")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    cards = page.locator(".project-card")
    expect(cards).to_have_count(2)
    expect(cards.first.get_by_role("heading")).to_have_text("Fantasy cast")  # newest first
    expect(cards.first).to_contain_text("0 avatars")
    screenshot(page, "projects")

    page.get_by_role("button", name="Rename Team portraits").click()
    rename = page.get_by_role("dialog", name="Rename project")
    rename.get_by_label("Name").fill("Team headshots")
    rename.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="Team headshots")).to_be_visible()
    expect(page.get_by_role("link", name="Team portraits")).to_have_count(0)

    page.get_by_role("button", name="Delete Fantasy cast").click()
    confirm = page.get_by_role("dialog", name="Delete “Fantasy cast”?")
    expect(confirm).to_contain_text("its 0 avatars")
    expect(confirm).to_contain_text("cancelled, and their credits are refunded")
    confirm.get_by_role("button", name="Keep it").click()
    expect(confirm).to_be_hidden()
    expect(cards).to_have_count(2)

    page.get_by_role("button", name="Delete Fantasy cast").click()
    confirm.get_by_role("button", name="Delete project").click()
    expect(page.get_by_role("status").filter(has_text="Deleted “Fantasy cast”")).to_be_visible()
    expect(cards).to_have_count(1)


def test_a_form_post_without_the_csrf_token_is_refused(page, live_server):
    register_user(page)
    page.get_by_role("button", name="New project").first.click()
    dialog = page.get_by_role("dialog", name="New project")
    dialog.get_by_label("Name").fill("Forged")
    # What a forged post lacks: the hidden token field and the htmx header that carries the same token.
    page.evaluate("""() => {
        document.querySelectorAll('#new-project [name=csrf_token]').forEach(input => input.remove());
        document.querySelector('.app').removeAttribute('hx-headers');
    }""")
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        dialog.get_by_role("button", name="Create project").click()
    assert posted.value.status == 403
    expect(page.get_by_role("heading", name="This form has expired")).to_be_visible()

    forged = page.request.post("/projects", form={"name": "Forged", "csrf_token": "not-the-token"},
                               max_redirects=0)
    assert forged.status == 403 and forged.headers["content-type"].startswith("text/html")
    page.goto("/projects")
    expect(page.get_by_role("heading", name="No projects yet")).to_be_visible()


def test_credits_page_lists_the_ledger(page):
    register_user(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="100 credits").click()
    expect(page).to_have_url(url_path("/credits"))
    expect(page.locator(".balance-big")).to_contain_text("100")
    row = page.locator(".ledger-row").first
    expect(row).to_contain_text("Welcome bonus")
    expect(row.locator(".ledger-amount")).to_have_text("+100")
    screenshot(page, "credits")
