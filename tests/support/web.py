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
    """axe-core finds no serious or critical accessibility issue on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    # A toast still fading in has a contrast it will not keep: judge the page once it has loaded and its animations
    # are over. A cancelled animation (a toast removed while fading) rejects its ``finished`` with an AbortError.
    page.wait_for_load_state()
    page.evaluate("Promise.all(document.getAnimations()"
                  ".filter(animation => animation.effect.getTiming().iterations !== Infinity)"
                  ".map(animation => animation.finished.catch(() => null)))")
    violations = [violation for violation in Axe().run(page).response["violations"]
                  if violation["impact"] in ("serious", "critical")]
    assert violations == [], "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']]}" for v in violations)


# Each Tab stop's own ring (outline, box-shadow) and, for a visually hidden radio, its label's face: these must differ
# between focused and not, so an indicator that another rule overrides (a button's own shadow) is caught.
_RING_SNAPSHOT = """element => {
  const face = element.matches("input[type=radio], input[type=checkbox]") && element.nextElementSibling;
  return [element, face].filter(Boolean).map(el => {
    const style = getComputedStyle(el);
    return [style.outlineStyle, style.outlineWidth, style.outlineColor, style.boxShadow].join(" ");
  }).join(" | ");
}"""
_SETTLE = ("Promise.all(document.getAnimations().filter(a => a.effect.getTiming().iterations !== Infinity)"
           ".map(a => a.finished.catch(() => null)))")  # a cancelled one (a toast removed) rejects


def assert_focus_visible(page, max_stops: int = 120) -> int:
    """Tab through the whole page from the top: every stop's focused look differs from its unfocused one. Returns
    the number of stops."""
    # Focusing the body moves the start of Tab navigation to the top (a blur alone leaves it where focus was).
    page.evaluate("window.scrollTo(0, 0); document.body.tabIndex = -1; document.body.focus();"
                  "document.body.removeAttribute('tabindex')")
    seen: list = []
    unseen: list[str] = []
    previous = None
    for _ in range(max_stops):
        page.keyboard.press("Tab")
        page.evaluate(_SETTLE)
        handle = page.evaluate_handle("document.activeElement")
        if page.evaluate("element => element === document.body", handle) or any(
                page.evaluate("([a, b]) => a === b", [handle, old]) for old in seen[:1]):
            break
        focused = page.evaluate(_RING_SNAPSHOT, handle)
        if previous is not None:
            old_handle, old_focused, label = previous
            if page.evaluate(_RING_SNAPSHOT, old_handle) == old_focused:
                unseen.append(label)
        label = page.evaluate("el => el.outerHTML.slice(0, 120)", handle)
        previous = (handle, focused, label)
        seen.append(handle)
    if previous is not None:  # the last stop, compared once focus has left it
        page.evaluate("document.activeElement.blur()")
        page.evaluate(_SETTLE)
        if page.evaluate(_RING_SNAPSHOT, previous[0]) == previous[1]:
            unseen.append(previous[2])
    page.evaluate("window.scrollTo(0, 0)")
    assert unseen == [], "no visible focus on:\n" + "\n".join(unseen)
    return len(seen)
