"""The Generating panel with no workers, so work stays pending until cancelled: dismissing finished cards."""

from __future__ import annotations

import re

import pytest

from tests.support.web import DESKTOP, PHONE, create_project, register_user

pytest.importorskip("playwright", reason="playwright is not installed (pip install -e '.[dev]')")
from playwright.sync_api import expect  # noqa: E402


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, str]:
    """No workers: a job stays pending until it is cancelled."""
    return {"AVATAR_WORKERS": "0"}


def overlap(one: dict, other: dict) -> bool:
    return (one["x"] < other["x"] + other["width"] and other["x"] < one["x"] + one["width"]
            and one["y"] < other["y"] + other["height"] and other["y"] < one["y"] + one["height"])


def queue(page, name: str) -> None:
    page.get_by_role("link", name="Generate", exact=True).click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Prompt").fill("Someone who will wait in the queue")
    page.get_by_role("button", name=re.compile("Generate 1 avatar")).click()
    expect(page.get_by_role("button", name=f"Cancel {name}")).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_cancelled_cards_are_dismissed_one_by_one_or_all_and_stay_dismissed(page, viewport):
    page.set_viewport_size(viewport)
    register_user(page)
    create_project(page, "Queue")
    for name in ("Ana", "Ben", "Cai"):
        queue(page, name)
    panel = page.locator("#generating")
    for name in ("Ana", "Ben"):
        page.get_by_role("button", name=f"Cancel {name}").click()
        expect(panel.locator(".generation-card", has_text=name)).to_contain_text("Cancelled")
    status = panel.locator(".generation-card", has_text="Cai").locator(".generation-status")
    if viewport == DESKTOP:  # the status fits on one line
        height = status.evaluate("el => el.getBoundingClientRect().height")
        line = status.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)")
        assert height < line * 1.5

    page.get_by_role("button", name="Dismiss Ana").click()
    expect(panel.locator(".generation-card", has_text="Ana")).to_be_hidden()
    expect(panel.locator(".count")).to_have_text("2")
    page.reload()  # remembered for this tab
    expect(panel.locator(".generation-card", has_text="Ana")).to_be_hidden()
    expect(panel.locator(".generation-card", has_text="Ben")).to_be_visible()

    page.get_by_role("button", name="Clear finished").click()
    expect(panel.locator(".generation-card", has_text="Ben")).to_be_hidden()
    expect(panel.locator(".generation-card", has_text="Cai")).to_be_visible()  # still running: not dismissable
    expect(page.get_by_role("button", name="Clear finished")).to_be_hidden()

    # The toast a button brings never covers that button, wherever it sits on the screen.
    cancel = page.get_by_role("button", name="Cancel Cai")
    bottom = cancel.evaluate("button => button.getBoundingClientRect().bottom + scrollY")
    page.evaluate("scrollTo(0, 0)")
    page.set_viewport_size({"width": viewport["width"], "height": int(bottom) + 8})  # the button at the bottom edge
    place = cancel.bounding_box()
    cancel.click()
    toast = page.get_by_role("status").filter(has_text="Cancelled “Cai”")
    expect(toast).to_be_visible()
    shown = toast.bounding_box()
    assert not overlap(place, shown), (place, shown)
