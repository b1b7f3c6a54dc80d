"""The Generate page in a real browser, at 1280 and 375 px: start from a photo, persona examples, pickers, the
provider note, errors shown once, the submit's place, visible focus; its screenshot when starting from a photo."""

from __future__ import annotations

import re

import pytest

from tests.support.web import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_focus_visible,
    create_project,
    register_user,
    screenshot,
)
from tests.web.test_project_browser import upload

pytest.importorskip("playwright", reason="playwright is not installed (pip install -e '.[dev]')")
from playwright.sync_api import expect  # noqa: E402


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_upload_then_make_one_avatar_from_that_photo(page, photos, viewport):
    page.set_viewport_size(viewport)
    register_user(page)
    create_project(page, "From a photo")
    upload(page, photos["portrait"], "Me")
    expect(page.locator("#credit-balance")).to_have_text("98")

    page.get_by_role("link", name="Generate", exact=True).click()
    expect(page.locator("#provider-note")).to_contain_text("An operator switches on AI photos")
    expect(page.get_by_label("Provider")).to_have_count(0)  # only the offline provider is configured
    button = page.locator("[data-cost-button]")
    expect(button).to_have_text(re.compile(r"Generate 1 avatar · 10 credits"))
    page.get_by_label("An upload or avatar of this project").select_option(label="Me · Uploaded")
    expect(button).to_have_text(re.compile(r"Generate 1 avatar · 12 credits"))  # the from-reference price
    page.get_by_label("Name", exact=True).fill("Me again")
    page.get_by_label("Prompt").fill("The same person as a friendly astronaut")
    page.get_by_label("Size").select_option("512x512")
    button.click()
    expect(page.locator("#credit-balance")).to_have_text("86")
    made = page.locator("#gallery .avatar-card", has_text="Me again")
    expect(made).to_have_count(1, timeout=30_000)
    expect(made).to_contain_text("Illustration (offline provider)")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_examples_pickers_errors_once_and_the_submit_last(page, photos, viewport):
    page.set_viewport_size(viewport)
    register_user(page)
    create_project(page, "Looks")
    page.get_by_role("link", name="Generate", exact=True).click()

    page.get_by_role("button", name="Fintech founder").click()
    expect(page.get_by_label("Persona name")).to_have_value("Amara Okafor")
    expect(page.get_by_label("Hair style", exact=True)).to_have_value("braids")
    expect(page.get_by_role("radiogroup", name="Gender").get_by_role("radio", name="Female")).to_be_checked()
    page.get_by_role("radiogroup", name="Common values for hair colour").get_by_role("radio", name="auburn").check()
    expect(page.get_by_label("Hair colour", exact=True)).to_have_value("auburn")
    page.get_by_label("Eye colour", exact=True).fill("green")
    expect(page.get_by_role("radiogroup", name="Common values for eye colour")
           .get_by_role("radio", name="green", exact=True)).to_be_checked()
    page.get_by_label("Setting").fill("lighthouse at dusk")
    assert_accessible(page)

    # The submit is the form's last control; a refusal is told once, beside its field, without a toast.
    last = page.evaluate("[...document.querySelectorAll('form.generate-form button, form.generate-form input,"
                         " form.generate-form select, form.generate-form textarea')].at(-1).type")
    assert last == "submit"
    page.get_by_label("Name", exact=True).fill("Amara")
    page.get_by_label("Prompt").fill("A founder")
    page.get_by_label("Prompt").evaluate("field => field.removeAttribute('minlength')")  # let the server refuse
    page.locator("[data-cost-button]").click()
    expect(page.locator("#prompt-error")).to_have_text("Use at least 10 characters.")
    expect(page.get_by_text("Use at least 10 characters.")).to_have_count(1)
    expect(page.locator(".toast-error")).to_have_count(0)
    expect(page.get_by_label("Setting")).to_have_value("lighthouse at dusk")  # what was typed stays

    if viewport == DESKTOP:  # sticky: the button stays in view at the bottom while the form scrolls
        page.mouse.wheel(0, -5000)
        box = page.locator("[data-cost-button]").bounding_box()
        assert box is not None and box["y"] + box["height"] <= DESKTOP["height"]


def test_keyboard_focus_is_visible_on_the_generate_page_and_screenshots(page, photos):
    register_user(page)
    create_project(page, "Tour")
    upload(page, photos["portrait"], "Portrait")
    expect(page.locator("#gallery .avatar-card")).to_have_count(1)
    page.get_by_role("link", name="Generate", exact=True).click()
    page.get_by_label("An upload or avatar of this project").select_option(label="Portrait · Uploaded")
    page.get_by_role("button", name="Fintech founder").click()
    screenshot(page, "generate-from-photo")
    assert assert_focus_visible(page) >= 40
    page.goto("/projects")
    assert_accessible(page)
