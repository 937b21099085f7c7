"""Budgets in Chromium (issue 16): an owner sets a member's Monthly budget on the Credits page;
the member sees what is left on Compose, a song beyond it is refused with the numbers, and the
Credits page shows what each member spent."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from studio.flowmusic import FlowMusicClient
from studio.songs.credits import balances
from studio.songs.pipeline import credit_sync
from tests.browser.conftest import log_in
from tests.pipeline import drive, settled, song

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_budget_set_by_an_owner_refuses_the_song_beyond_it(
    page: Page, browser, studio, team, owner, teammate
):
    song(team, teammate, prompt="first of the month, dream pop")
    drive(settled)  # tom has spent 10
    with FlowMusicClient.from_settings() as client:
        credit_sync.sync(client)  # the upstream's charge: the cost is known, no longer "~"

    left = f"{balances.team_left():,} credits"

    log_in(page, studio.url)  # olivia, an owner
    expect(page.locator("header [data-credits]")).to_have_text(left)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Credits").click()
    expect(page.get_by_role("heading", name="Spend per member")).to_be_visible()
    expect(page.locator("header [data-credits]")).to_have_text(left)  # kept across navigation
    expect(page.get_by_role("img", name="Daily spend")).to_be_visible()
    expect(page.locator("#daily-summary")).to_contain_text("10 credits spent this month")
    tom = page.get_by_role("row").filter(has_text="tom")
    expect(tom).to_contain_text("Song 10")
    tom.get_by_label("Monthly budget").fill("15")
    tom.get_by_role("button", name="Save budget").click()
    expect(page.get_by_text("Monthly budget set to 15 credits.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="tom")).to_contain_text("5 left this month")

    member = browser.new_page()
    log_in(member, studio.url, "tom")
    member.get_by_role("link", name="Compose", exact=True).click()
    expect(member.get_by_text("Monthly budget: 5 of 15 credits left this month.")).to_be_visible()
    create = member.get_by_role("button", name="Create song")
    expect(create).to_contain_text("· 10 credits")  # learned from the upstream's charge
    member.get_by_role("textbox", name="Prompt", exact=True).fill("second song, over budget")
    create.click()
    expect(member.get_by_role("alert")).to_contain_text(
        "this song needs 10 credits, you have 5 of 15 left this month. "
        "Ask an owner to raise your Monthly budget."
    )
    expect(member.get_by_role("textbox", name="Prompt", exact=True)).to_have_value(
        "second song, over budget"
    )
    member.close()
