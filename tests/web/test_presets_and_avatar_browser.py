"""Presets and an avatar's own page in a real browser, at 1280 and 375 px: a preset's two variations arriving live,
Generate similar after a persona edit, avatars made from an uploaded photo, axe-core and a visible focus on every
Tab stop of each page."""

from __future__ import annotations

import re

import pytest

from tests.catalog.test_serve_seeds import catalogue as served_catalogue
from tests.support.web import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_focus_visible,
    create_project,
    register_user,
    screenshot,
)
from tests.web.test_project_browser import mark_page, still_same_page, upload

pytest.importorskip("playwright", reason="playwright is not installed (pip install -e '.[dev]')")
from playwright.sync_api import expect  # noqa: E402

WIDTHS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])


@pytest.fixture(scope="module", autouse=True)
def catalogue(live_server) -> None:
    """The presets ``serve`` seeded, once their previews (drawn in the background at start) are all there."""
    presets, _ = served_catalogue(live_server.url)
    assert all(preset["previewImageUrl"] for preset in presets.values())


def checked(page) -> None:
    """axe-core finds nothing serious and every Tab stop shows where the focus is."""
    assert_accessible(page)
    assert assert_focus_visible(page) > 5


def avatar_id(card) -> str:
    return card.get_attribute("id").removeprefix("avatar-")


@WIDTHS
def test_a_presets_two_variations_appear_live_on_the_project_page(page, viewport):
    page.set_viewport_size(viewport)
    register_user(page)
    create_project(page, "Team")
    page.get_by_role("link", name="From a preset").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Presets")
    tabs = page.get_by_role("navigation", name="Preset categories")
    tabs.get_by_role("link", name="Traditional").click()
    expect(page).to_have_url(re.compile(r"/presets\?category=traditional&project="))
    expect(tabs.get_by_role("link", name="Traditional")).to_have_attribute("aria-current", "true")
    preview = page.locator(".preset-card img").first
    expect(preview).to_have_attribute("loading", "lazy")
    expect(preview).to_have_js_property("naturalWidth", 512)
    checked(page)
    if viewport == DESKTOP:
        screenshot(page, "presets")

    page.get_by_role("link", name=re.compile("^Batik and kebaya")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Batik and kebaya")
    expect(page.get_by_label("Project", exact=True)).to_have_value(re.compile(".+"))
    assert page.get_by_label("Project", exact=True).locator("option:checked").inner_text() == "Team"
    page.get_by_label("Name", exact=True).fill("Sari")
    page.get_by_role("radiogroup", name="Variations").get_by_role("radio", name="2").check()
    button = page.get_by_role("button", name="Generate 2 avatars · 16 credits")
    expect(button).to_be_enabled()
    checked(page)
    if viewport == DESKTOP:
        screenshot(page, "preset")

    button.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Team")
    expect(page.locator("#credit-balance")).to_have_text("84")
    mark_page(page)
    expect(page.locator("#generating .generation-card")).to_have_count(2)
    made = page.locator("#gallery .avatar-card", has_text="Sari")
    expect(made).to_have_count(2, timeout=30_000)
    assert sorted(made.locator("[data-name]").all_inner_texts()) == ["Sari", "Sari 2"]  # told apart by name
    assert still_same_page(page)  # the two arrived by live events, not a reload

    page.goto(f"/avatars/{avatar_id(made.first)}")
    page.locator("[data-source]").get_by_role("link", name="Batik and kebaya").click()
    expect(page).to_have_url("/presets/batik-kebaya")


@WIDTHS
def test_edit_the_persona_then_generate_similar_keeps_the_prompt_with_another_seed(page, viewport):
    page.set_viewport_size(viewport)
    register_user(page)
    create_project(page, "People")
    page.get_by_role("link", name="Generate", exact=True).click()
    page.get_by_label("Name", exact=True).fill("Lena")
    page.get_by_label("Prompt").fill("A calm engineer in a navy blazer, soft light")
    page.get_by_label("Seed").fill("7")
    page.get_by_role("button", name=re.compile("Generate 1 avatar")).click()
    card = page.locator("#gallery .avatar-card", has_text="Lena")
    expect(card).to_have_count(1, timeout=30_000)
    first = avatar_id(card)

    page.goto(f"/avatars/{first}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lena")
    expect(page.locator("[data-seed]")).to_have_text("7")
    expect(page.get_by_text("Illustration (offline provider)")).to_be_visible()
    page.get_by_label("Background").fill("Builds bridges in the mountains.")
    page.get_by_role("button", name="Save · free").click()
    expect(page.get_by_role("status").filter(has_text="Saved “Lena”")).to_be_visible()
    expect(page.get_by_label("Background")).to_have_value("Builds bridges in the mountains.")
    expect(page.locator("#credit-balance")).to_have_text("90")
    checked(page)
    if viewport == DESKTOP:
        screenshot(page, "avatar-page")

    page.get_by_role("button", name="Favourite").click()
    expect(page.get_by_role("button", name="Favourite")).to_have_attribute("aria-pressed", "true")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").click()
    assert re.fullmatch(r"Lena\.(png|jpg|webp)", download.value.suggested_filename)

    prompt = page.locator("[data-prompt]").inner_text()
    page.get_by_role("button", name="Generate similar · 10 credits").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    expect(page.locator("#credit-balance")).to_have_text("80")
    expect(page.locator("#gallery .avatar-card", has_text="Lena")).to_have_count(2, timeout=30_000)
    second = next(avatar_id(c) for c in page.locator("#gallery .avatar-card").all() if avatar_id(c) != first)
    page.goto(f"/avatars/{second}")
    expect(page.locator("[data-prompt]")).to_have_text(prompt)
    expect(page.locator("[data-seed]")).not_to_have_text("7")
    expect(page.get_by_label("Background")).to_have_value("Builds bridges in the mountains.")


@WIDTHS
def test_upload_then_make_avatars_from_this_photo_which_links_back(page, photos, viewport):
    page.set_viewport_size(viewport)
    register_user(page)
    create_project(page, "Photos")
    upload(page, photos["portrait"], "Me")
    card = page.locator("#gallery .avatar-card", has_text="Me")
    expect(card).to_have_count(1)
    photo = avatar_id(card)

    page.goto(f"/avatars/{photo}")
    expect(page.get_by_text("Uploaded photo")).to_be_visible()
    section = page.get_by_role("region", name="Make avatars from this photo")
    section.get_by_label("Name").fill("Me, drawn")
    section.get_by_label("Prompt").fill("The same person as a watercolour portrait")
    checked(page)
    section.get_by_role("button", name="Make avatars from this photo · 12 credits").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Photos")
    expect(page.locator("#credit-balance")).to_have_text("86")
    drawn = page.locator("#gallery .avatar-card", has_text="Me, drawn")
    expect(drawn).to_have_count(1, timeout=30_000)

    page.goto(f"/avatars/{avatar_id(drawn)}")
    source = page.locator("[data-source]")
    expect(source).to_contain_text("Made from a photo:")
    source.get_by_role("link", name="Me").click()
    expect(page).to_have_url(f"/avatars/{photo}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Me")

    page.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name="Delete “Me”?").get_by_role("button", name="Delete avatar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Photos")
    expect(page.locator("#gallery .avatar-card")).to_have_count(1)
    page.goto(f"/avatars/{avatar_id(drawn)}")
    expect(source).to_contain_text("a picture that is not in your projects now")


def test_another_users_avatar_page_is_not_found(page, other_page, photos):
    register_user(page)
    create_project(page, "Mine")
    upload(page, photos["portrait"], "Private")
    card = page.locator("#gallery .avatar-card", has_text="Private")
    expect(card).to_have_count(1)
    register_user(other_page)
    response = other_page.goto(f"/avatars/{avatar_id(card)}")
    assert response.status == 404
    expect(other_page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(other_page.get_by_text("Private")).to_have_count(0)
