"""Web app helpers: sign-up through the forms (TestClient or browser), a project through its dialog, screenshots."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from tests.support.factories import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


def page_csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_up(client, email: str = "web@example.com") -> str:
    """Register through the web form with a TestClient; returns the signed-in pages' CSRF token."""
    client.get("/register")
    response = client.post("/register", data={"csrf_token": client.cookies["avatar_csrf"], "email": email,
                                              "password": PASSWORD})
    assert response.status_code == 200 and response.url.path == "/projects", response.text
    return page_csrf(response.text)


def register_user(page, *, name: str = "Ada Lovelace", email: str | None = None) -> str:
    """Sign up through the register form; returns the email. The page ends on the projects page."""
    from playwright.sync_api import expect

    email = email or f"web-{secrets.token_hex(4)}@example.com"
    page.goto("/register")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url("/projects")
    return email


def create_project(page, name: str) -> None:
    """Create a project through the New project dialog; the page ends on the new project's page."""
    from playwright.sync_api import expect

    page.goto("/projects")
    page.get_by_role("button", name="New project").first.click()
    page.get_by_role("dialog", name="New project").get_by_label("Name").fill(name)
    page.get_by_role("dialog", name="New project").get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def screenshot(page, name: str) -> None:
    """Save the page at 1280 and 375 px under docs/screenshots, and check nothing overflows the phone's width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.querySelectorAll('[data-toast]').forEach(toast => toast.remove())")
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.evaluate("document.fonts.ready")
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= viewport["width"], f"{name} is {overflow}px wide at {viewport['width']}px"
        page.screenshot(path=SCREENSHOTS / f"{name}-{viewport['width']}.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical issue on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    serious = [(found["id"], found["help"], [node["target"] for node in found["nodes"]][:3])
               for found in violations if found["impact"] in ("serious", "critical")]
    assert serious == [], f"{page.url}: {serious}"
