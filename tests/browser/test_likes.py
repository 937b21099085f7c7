"""Like in Chromium (issue 15): the button toggles in place, keeps the focus and the row's one Tab
stop, and says who liked the take on keyboard focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from studio.together.likes import set_liked
from tests.browser.conftest import log_in
from tests.browser.test_song_page import listed_song

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_like_toggles_in_place_and_says_who_liked(page: Page, studio, team, owner, teammate):
    generation = listed_song(team, owner, 1)
    set_liked(teammate, generation.clips.get(slot="A"), True)
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, studio.url)
    row = page.locator(f"#generation-{generation.pk}")
    like = row.get_by_role("button", name="Like take A")
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(like).to_contain_text("1")

    # From the keyboard: the row's controls are reached with the arrows.
    row.get_by_role("link", name="Song 1").focus()
    for _ in range(5):  # Play A, Pick A, Play B, Pick B, Like A
        page.keyboard.press("ArrowRight")
    expect(like).to_be_focused()
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_text("Liked by tom")
    expect(like).to_have_accessible_description("Liked by tom")

    page.keyboard.press("Enter")
    liked = row.get_by_role("button", name="Liked take A")
    expect(liked).to_have_attribute("aria-pressed", "true")
    expect(liked).to_contain_text("2")
    expect(liked).to_be_focused()
    expect(liked).to_have_accessible_description("Liked by tom and olivia")
    assert row.locator('[tabindex="0"]').count() == 1

    # Un-like with the mouse; the page was not reloaded (htmx swapped the button).
    page.evaluate("window.__same_page = true")
    liked.click()
    expect(row.get_by_role("button", name="Like take A")).to_have_attribute("aria-pressed", "false")
    expect(row.get_by_role("button", name="Like take A")).to_contain_text("1")
    assert page.evaluate("window.__same_page") is True

    # The song page shows the same, per take.
    page.goto(f"{studio.url}/songs/{generation.pk}/")
    take_b = page.get_by_role("button", name="Like take B")
    take_b.click()
    expect(page.get_by_role("button", name="Liked take B")).to_contain_text("1")
    page.get_by_role("button", name="Liked take B").hover()
    expect(page.get_by_role("tooltip")).to_have_text("Liked by olivia")
