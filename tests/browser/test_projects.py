"""Projects in the browser: Add to project from a library row and a song page, Play all in the
project's order through the player bar, reordering by keyboard, the player bar's menu."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from studio.together.models import Project
from tests.browser.conftest import finished_songs, log_in
from tests.browser.test_accessibility import check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_project_made_from_takes_plays_in_order_and_reorders_by_keyboard(
    page: Page, studio, team, owner
):
    (song,) = finished_songs(team, owner, ["night drive synthwave"])
    take_a, take_b = song.clips.order_by("slot")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, studio.url)

    # From the library row's menu: a new project, with the row's take in it.
    row = page.locator("[data-row]").first
    row.locator("details.more > summary").click()
    row.get_by_role("group", name="Take A").get_by_text("Add to project", exact=True).click()
    row.get_by_label("New project").fill("Road trip")
    row.get_by_role("button", name="Create and add").click()
    expect(row.get_by_role("status")).to_have_text("Added to “Road trip” (track 1)")
    problems = check(page, "library, Add to project open")

    # From the song page: the other take, into that project.
    page.goto(f"{studio.url}/songs/{song.pk}/")
    take = page.locator(f"#clip-{take_b.pk}")
    take.get_by_text("Add to project", exact=True).click()
    take.get_by_role("button", name="Road trip").click()
    expect(take.get_by_role("status")).to_have_text("Added to “Road trip” (track 2)")

    # The project's page, through the navigation.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    page.get_by_role("link", name="Road trip").click()
    expect(page.get_by_role("heading", name="Road trip", level=1)).to_be_visible()
    titles = page.locator(".pi-title")
    expect(titles).to_have_count(2)

    # Play all: the queue is the project, in its order, from the first take.
    page.get_by_role("button", name="Play all").click()
    page.wait_for_function(
        f"() => StudioPlayer.current() && StudioPlayer.current().id === {take_a.pk}"
    )
    assert page.evaluate("StudioPlayer.queue().map(t => t.id)") == [take_a.pk, take_b.pk]
    page.wait_for_function("() => !document.getElementById('player-audio').paused")

    # Alt+↑ on the second take moves it first, on the server; the focus stays on it.
    titles.nth(1).focus()
    page.keyboard.press("Alt+ArrowUp")
    expect(page.locator("#project-status")).to_have_text(re.compile(r": position 1 of 2\.$"))
    expect(titles.first).to_contain_text(take_b.title)
    expect(titles.first).to_be_focused()
    project = Project.objects.get(name="Road trip")
    assert list(project.items.values_list("clip_id", flat=True)) == [take_b.pk, take_a.pk]
    page.get_by_role("button", name="Play all").click()
    page.wait_for_function(f"() => StudioPlayer.current().id === {take_b.pk}")
    assert page.evaluate("StudioPlayer.queue().map(t => t.id)") == [take_b.pk, take_a.pk]

    # A drag does the same: the second take back to the top.
    grips = page.locator(".pi-grip")
    grips.nth(1).drag_to(page.locator(".project-item").first, target_position={"x": 5, "y": 2})
    expect(titles.first).to_contain_text(take_a.title)
    assert list(project.items.values_list("clip_id", flat=True)) == [take_a.pk, take_b.pk]

    # The player bar's Add to project is for the take playing now.
    bar = page.get_by_role("region", name="Player")
    bar.get_by_text("Add to project", exact=True).click()
    expect(bar.get_by_role("button", name=re.compile(r"^Road trip · already in$"))).to_be_visible()
    problems += check(page, "project page, the player's Add to project open")
    page.goto(f"{studio.url}/projects/")
    problems += check(page, "projects page")
    assert not problems, "\n\n".join(problems)
    assert not errors, errors
