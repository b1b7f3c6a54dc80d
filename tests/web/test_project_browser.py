"""A project in a real browser: upload, gallery, generate, the Generating panel, cancel, delete."""

from __future__ import annotations

import re

import pytest

from tests.support.web import create_project, register_user, screenshot

pytest.importorskip("playwright", reason="playwright is not installed (pip install -e '.[dev]')")
from playwright.sync_api import expect  # noqa: E402

JPEG_MAGIC = b"\xff\xd8\xff"


def mark_page(page) -> None:
    """Tag the loaded document; ``still_same_page`` then proves nothing reloaded it."""
    page.evaluate("window.__sameDocument = true")


def still_same_page(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def choose_variations(page, count: int) -> None:
    page.get_by_role("radiogroup", name="Variations").get_by_role("radio", name=str(count)).check()


def upload(page, photo, name: str | None = None) -> None:
    page.get_by_role("button", name="Upload photo").first.click()
    dialog = page.get_by_role("dialog", name="Upload a photo")
    dialog.locator("input[type=file]").set_input_files(photo)
    expect(dialog.locator("[data-preview]")).to_be_visible()  # previewed before it is sent
    if name:
        dialog.get_by_label("Name").fill(name)
    dialog.get_by_role("button", name=re.compile("Upload ·")).click()


def test_upload_is_previewed_refused_with_its_message_then_stored_without_a_reload(page, photos):
    register_user(page)
    create_project(page, "Headshots")
    mark_page(page)

    upload(page, photos["tiny"])
    dialog = page.get_by_role("dialog", name="Upload a photo")
    image_input = dialog.locator("input[type=file]")
    message = page.locator("#upload-image-error")
    expect(message).to_contain_text("at least 256 pixels")
    assert "upload-image-error" in image_input.get_attribute("aria-describedby")
    expect(dialog.get_by_label("Name")).to_have_value("tiny")  # the form kept what was entered
    expect(page.locator("#credit-balance")).to_have_text("100")  # a refusal costs nothing

    image_input.set_input_files(photos["portrait"])
    dialog.get_by_label("Name").fill("Portrait")
    dialog.get_by_role("button", name=re.compile("Upload ·")).click()
    expect(dialog).to_be_hidden()
    card = page.locator("#gallery .avatar-card", has_text="Portrait")
    expect(card).to_be_visible()
    expect(message).to_be_empty()
    expect(page.locator("#credit-balance")).to_have_text("98")
    expect(page.locator("#avatar-count")).to_have_text("1 avatar")
    assert still_same_page(page)


def test_gallery_favourite_filter_download_and_delete(page, photos):
    register_user(page)
    create_project(page, "Gallery")
    upload(page, photos["portrait"], "First")
    expect(page.locator("#gallery .avatar-card")).to_have_count(1)
    upload(page, photos["portrait"], "Second")
    expect(page.locator("#gallery .avatar-card")).to_have_count(2)

    favourite = page.get_by_role("button", name="Favourite First")
    favourite.click()
    expect(favourite).to_have_attribute("aria-pressed", "true")
    page.get_by_role("navigation", name="Filter avatars").get_by_role("link", name="Favourites").click()
    expect(page.locator("#gallery .avatar-card")).to_have_count(1)
    expect(page.locator("#gallery .avatar-card")).to_contain_text("First")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download First").click()
    assert download.value.suggested_filename == "First.jpg"
    assert open(download.value.path(), "rb").read(3) == JPEG_MAGIC

    page.get_by_role("button", name="Delete First").click()
    confirm = page.get_by_role("dialog", name="Delete “First”?")
    confirm.get_by_role("button", name="Delete avatar").click()
    expect(page.get_by_role("heading", name="Nothing matches this filter")).to_be_visible()
    page.get_by_role("link", name="Show all avatars").click()
    expect(page.locator("#gallery .avatar-card")).to_have_count(1)


def test_generate_shows_the_cost_and_is_disabled_when_the_balance_cannot_pay(page):
    register_user(page)
    create_project(page, "Costs")
    page.get_by_role("link", name="Generate", exact=True).click()
    button = page.locator("[data-cost-button]")
    expect(button).to_have_text(re.compile(r"Generate 1 avatar · 10 credits"))
    choose_variations(page, 4)
    expect(button).to_have_text(re.compile(r"Generate 4 avatars · 40 credits"))
    screenshot(page, "generate")

    for balance_after in ("60", "20"):  # two batches of four take 80 of the 100 welcome credits
        page.get_by_label("Name", exact=True).fill("Spender")
        page.get_by_label("Prompt").fill("A cheerful astronaut in an orange suit")
        choose_variations(page, 4)
        button.click()
        expect(page.locator("#credit-balance")).to_have_text(balance_after)
        page.get_by_role("link", name="Generate", exact=True).click()

    choose_variations(page, 3)
    expect(button).to_be_disabled()
    expect(page.locator("[data-cost-reason]")).to_have_text(re.compile(r"You have 20 credits; this needs 30\."))
    choose_variations(page, 2)
    expect(button).to_be_enabled()
    expect(page.locator("[data-cost-reason]")).to_be_hidden()


def test_the_whole_walk_with_live_progress_reload_favourite_download_cancel_and_delete(page, photos):
    register_user(page)
    create_project(page, "Walk")
    upload(page, photos["portrait"], "Photo")
    expect(page.locator("#credit-balance")).to_have_text("98")

    page.get_by_role("link", name="Generate", exact=True).click()
    page.get_by_label("Name", exact=True).fill("Maya")
    page.get_by_label("Prompt").fill("A friendly designer with red curly hair and a denim jacket")
    page.get_by_label("Hair colour", exact=True).fill("red")
    choose_variations(page, 2)
    page.get_by_role("button", name=re.compile("Generate 2 avatars · 20 credits")).click()
    panel = page.locator("#generating")
    expect(panel.locator(".generation-card")).to_have_count(2)
    expect(page.locator("#credit-balance")).to_have_text("78")
    mark_page(page)

    # Both bars move while this page stays loaded: the panel follows the live events. The module's server may still
    # be running the batches an earlier test queued (3.5 s a job, two at a time), so the wait allows for that queue.
    card_ids = [card.get_attribute("id") for card in panel.locator(".generation-card").all()]
    for card_id in card_ids:
        expect(page.locator(f"#{card_id} progress")).to_have_attribute("value", re.compile(r"^[1-9][0-9]?$"),
                                                                       timeout=40_000)
    screenshot(page, "project")
    made = page.locator("#gallery .avatar-card", has_text="Maya")
    expect(made).to_have_count(2, timeout=30_000)
    expect(panel.locator(".generation-card")).to_have_count(0)
    expect(page.locator("#avatar-count")).to_have_text("3 avatars")
    assert still_same_page(page)

    favourite = made.first.get_by_role("button", name="Favourite Maya")
    favourite.click()
    expect(favourite).to_have_attribute("aria-pressed", "true")
    with page.expect_download() as download:
        made.first.get_by_role("link", name="Download Maya").click()
    assert re.fullmatch(r"Maya( 2)?\.(png|jpg|webp)", download.value.suggested_filename)  # variations: Maya, Maya 2

    page.get_by_role("link", name="Generate", exact=True).click()
    page.get_by_label("Name", exact=True).fill("Cancelled one")
    page.get_by_label("Prompt").fill("Someone we will not wait for after all")
    page.get_by_role("button", name=re.compile("Generate 1 avatar · 10 credits")).click()
    expect(page).to_have_url(re.compile(r"/projects/[^/]+$"))
    expect(page.locator("#credit-balance")).to_have_text("68")
    page.reload()  # mid-generation: the panel is rebuilt from the server's list of unfinished work
    expect(panel.locator(".generation-card", has_text="Cancelled one")).to_be_visible()
    page.get_by_role("button", name="Cancel Cancelled one").click()
    expect(page.locator("#credit-balance")).to_have_text("78")
    expect(panel).to_contain_text("Cancelled · 10 credits refunded")
    page.get_by_role("button", name="Retry Cancelled one").click()  # charged again; deleting refunds it
    expect(page.locator("#credit-balance")).to_have_text("68")
    expect(panel.get_by_role("button", name="Cancel Cancelled one")).to_be_visible()

    page.get_by_role("button", name="Delete", exact=True).click()
    confirm = page.get_by_role("dialog", name="Delete “Walk”?")
    expect(confirm).to_contain_text("its 3 avatars")
    expect(confirm).to_contain_text("cancelled, and their credits are refunded")
    confirm.get_by_role("button", name="Delete project").click()
    expect(page.get_by_role("status").filter(has_text="Deleted “Walk”")).to_be_visible()
    expect(page.get_by_role("heading", name="No projects yet")).to_be_visible()
    expect(page.locator("#credit-balance")).to_have_text("78")
