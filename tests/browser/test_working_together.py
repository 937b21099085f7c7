"""Two teammates and a guest in Chromium (issue 15's walkthrough): olivia likes a take and adds
both takes to a new project; tom sees the like, plays the project in order through the player
bar and comments at the playhead; olivia sees the comment arrive without a reload, shares the
song; a browser with no session plays it; after Revoke the link is 404."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from studio.together.models import Comment, Project
from tests.browser.conftest import log_in
from tests.browser.test_comments import SECONDS, quick_song
from tests.browser.test_song_page import console_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def add_to_project(page: Page, clip_pk: int, *, new: str = "", existing: str = "") -> None:
    take = page.locator(f"#clip-{clip_pk}")
    take.get_by_text("Add to project", exact=True).click()
    if new:
        take.get_by_label("New project").fill(new)
        take.get_by_role("button", name="Create and add").click()
    else:
        take.get_by_role("button", name=existing).click()


def test_like_project_comment_and_share_between_two_teammates_and_a_guest(
    page: Page, browser: Browser, studio, team, owner, teammate
):
    generation = quick_song(team, owner)
    take_a, take_b = generation.clips.order_by("slot")
    song_url = f"{studio.url}/songs/{generation.pk}/"
    errors = console_errors(page)
    log_in(page, studio.url)
    page.goto(song_url)
    page.evaluate("window.__sameDocument = true")  # gone if olivia's page reloads

    # olivia likes take A and puts both takes in a new project.
    like = page.get_by_role("button", name="Like take A")
    like.click()
    expect(page.get_by_role("button", name="Liked take A")).to_have_attribute(
        "aria-pressed", "true"
    )
    add_to_project(page, take_a.pk, new="Demo tape")
    expect(page.locator(f"#clip-{take_a.pk}").get_by_role("status")).to_have_text(
        "Added to “Demo tape” (track 1)"
    )
    add_to_project(page, take_b.pk, existing="Demo tape")
    expect(page.locator(f"#clip-{take_b.pk}").get_by_role("status")).to_have_text(
        "Added to “Demo tape” (track 2)"
    )

    # tom sees the like: its count, and who, on keyboard focus.
    tom_context = browser.new_context()
    tom = tom_context.new_page()
    tom_errors = console_errors(tom)
    log_in(tom, studio.url, "tom")
    tom.goto(song_url)
    liked = tom.get_by_role("button", name="Like take A")
    expect(liked).to_have_attribute("aria-pressed", "false")  # olivia's like, not his
    expect(liked.locator(".like-count")).to_have_text("1")
    liked.focus()
    tom.keyboard.press("Shift+Tab")
    tom.keyboard.press("Tab")  # a keyboard focus (focus-visible) shows the tooltip
    expect(tom.locator(f"#likers-{take_a.pk}")).to_be_visible()
    expect(tom.locator(f"#likers-{take_a.pk}")).to_contain_text("olivia")

    # tom opens the project; Play all plays take A, then take B, through the player bar.
    tom.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    tom.get_by_role("link", name="Demo tape").click()
    expect(tom.get_by_role("heading", name="Demo tape", level=1)).to_be_visible()
    tom.get_by_role("button", name="Play all").click()
    tom.wait_for_function(
        "id => StudioPlayer.current() && StudioPlayer.current().id === id"
        " && !StudioPlayer.audio.paused",
        arg=take_a.pk,
        timeout=15_000,
    )
    assert tom.evaluate("StudioPlayer.queue().map(t => t.id)") == [take_a.pk, take_b.pk]
    tom.evaluate(f"StudioPlayer.seek({SECONDS - 1.0})")  # the end of A: B follows by itself
    tom.wait_for_function(
        "id => StudioPlayer.current().id === id && StudioPlayer.audio.currentTime > 1.5",
        arg=take_b.pk,
        timeout=15_000,
    )
    bar = tom.get_by_role("region", name="Player")
    expect(bar.locator("#player-title")).to_contain_text("Tone B")

    # From the project to the song page (the player keeps playing), and a comment there at
    # the playhead of take B.
    tom.locator(".pi-title", has_text="Tone B").click()
    comments = tom.get_by_role("region", name="Comments")
    expect(comments.get_by_label("Take", exact=True)).to_have_value(str(take_b.pk))
    comments.get_by_label("Comment", exact=True).fill("Love the ending")
    before = tom.evaluate("StudioPlayer.audio.currentTime")
    comments.get_by_role("button", name="Post comment").click()
    after = tom.evaluate("StudioPlayer.audio.currentTime")
    expect(comments.get_by_role("article", name="Comment by tom")).to_contain_text(
        "Love the ending"
    )
    comment = Comment.objects.get()
    assert comment.clip_id == take_b.pk and comment.author == teammate
    assert before - 0.05 <= (comment.at_seconds or 0) <= after + 0.05, (before, comment, after)
    tom.evaluate("StudioPlayer.toggle()")

    # olivia's page shows it without a reload.
    mine = page.get_by_role("region", name="Comments")
    arrived = mine.get_by_role("article", name="Comment by tom")
    expect(arrived).to_contain_text("Love the ending", timeout=15_000)
    expect(arrived.get_by_role("button", name=re.compile(r"^at 0:\d\d$"))).to_be_visible()
    assert page.evaluate("window.__sameDocument === true")
    # She answers in its thread (the reply form loads when Reply opens).
    thread = mine.locator(".comment-thread").first
    thread.locator("details.comment-reply > summary").click()
    thread.get_by_label("Reply", exact=True).fill("Agreed, keep it")
    thread.get_by_role("button", name="Post reply").click()
    expect(thread.get_by_role("article", name="Comment by olivia")).to_contain_text("Agreed")

    # olivia shares the song; a browser with no session opens the link on a phone and plays.
    share = page.locator("#share")
    share.get_by_role("button", name="Create share link").click()
    expect(share.get_by_role("status")).to_contain_text("Share link created")
    url = share.get_by_role("textbox", name="Share link").input_value()
    guest_context = browser.new_context(viewport=PHONE)
    guest = guest_context.new_page()
    guest_errors = console_errors(guest)
    response = guest.goto(url)
    assert response is not None and response.status == 200
    expect(guest.get_by_role("link", name="Download MP3")).to_have_count(0)  # not allowed
    guest.locator("[data-share-take] audio").first.evaluate("audio => audio.play()")
    guest.wait_for_function(
        "() => document.querySelector('[data-share-take] audio').currentTime > 0.5",
        timeout=15_000,
    )
    assert "Demo tape" not in guest.content() and "olivia" not in guest.content()

    # Revoke: the same address, and the take's file under it, are 404 at once.
    share.get_by_role("button", name="Revoke").click()
    expect(share.get_by_text("No active share links.")).to_be_visible()
    assert guest.goto(url).status == 404
    assert guest_context.request.get(url + "A/m4a").status == 404
    assert Project.objects.get().items.count() == 2

    tom_context.close()
    guest_context.close()
    assert not errors, errors
    assert not tom_errors, tom_errors
    assert not [error for error in guest_errors if "404" not in error], guest_errors
