"""Keyboard only, at 1280 and 375 px: every Tab stop of the main flow's pages shows where the focus is (the focused
look, outline or box-shadow, differs from the unfocused one): sign-in, register, projects, a project with avatars,
Generate, credits and account."""

from __future__ import annotations

import pytest

from tests.support.web import DESKTOP, PHONE, assert_focus_visible, create_project, register_user
from tests.web.test_gallery_browser import generate_three

pytest.importorskip("playwright", reason="playwright is not installed (pip install -e '.[dev]')")
from playwright.sync_api import expect  # noqa: E402


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_every_tab_stop_of_the_main_flow_shows_where_the_focus_is(page, viewport):
    page.set_viewport_size(viewport)
    for path in ("/signin", "/register"):
        page.goto(path)
        assert assert_focus_visible(page) >= 3, path

    register_user(page)
    create_project(page, "Keyboard")
    generate_three(page, "Kai", "A calm gardener with a straw hat and green apron")
    page.reload()
    expect(page.locator("#gallery .avatar-card input[type=checkbox]")).to_have_count(3)
    assert assert_focus_visible(page) >= 30  # the walk reaches the cards' checkboxes, favourites and openers

    page.get_by_role("link", name="Generate", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Generate")
    assert assert_focus_visible(page) >= 40  # persona examples, chips and swatches

    for path in ("/projects", "/credits", "/account"):
        page.goto(path)
        assert assert_focus_visible(page) >= 5, path
