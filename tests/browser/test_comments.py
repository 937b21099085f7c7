"""Comments in Chromium (issue 15): stamped with the playhead of the take playing, seen by a
teammate without a reload, and their time plays the take from there."""

from __future__ import annotations

import re
import tempfile
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Browser, Page, expect

from studio.simulator.render import RenderedSong, write_m4a
from studio.songs.models import Clip, Generation
from studio.together.models import Comment
from tests.browser.conftest import log_in
from tests.browser.test_song_page import console_errors
from tests.test_library import _tone

SECONDS = 20.0


def quick_song(team, owner) -> Generation:
    """A finished song with two playable takes, straight in the database (no pipeline)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tone.m4a"
        write_m4a(RenderedSong(_tone(SECONDS, 22050), 22050, SECONDS, "Tone", "", None, 120), path)
        m4a = path.read_bytes()
    generation = Generation.objects.create(
        team=team, author=owner, prompt="a steady tone", status=Generation.Status.COMPLETED
    )
    for slot in "AB":
        clip = Clip(
            generation=generation,
            slot=slot,
            clip_id=uuid.uuid4().hex,
            title=f"Tone {slot}",
            duration_s=SECONDS,
            peaks=[0.5] * 100,
        )
        clip.audio.save(f"{slot}.m4a", ContentFile(m4a), save=False)
        clip.save()
    return generation


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def test_a_comment_at_the_playhead_reaches_a_teammate_and_seeks_there(
    page: Page, browser: Browser, studio, team, owner, teammate
):
    generation = quick_song(team, owner)
    clip_b = generation.clips.get(slot="B")
    song_url = f"{studio.url}/songs/{generation.pk}/"
    errors = console_errors(page)
    log_in(page, studio.url)
    page.goto(song_url)

    other = browser.new_context()
    theirs = other.new_page()
    their_errors = console_errors(theirs)
    log_in(theirs, studio.url, "tom")
    theirs.goto(song_url)
    theirs.evaluate("window.__sameDocument = true")  # gone if the page reloads
    comments_of_theirs = theirs.get_by_role("region", name="Comments")
    expect(comments_of_theirs.get_by_text("No comments yet")).to_be_visible()

    # Take B plays; the form follows it and shows the playhead.
    page.get_by_role("region", name=re.compile("^Take B")).get_by_role(
        "button", name="Play", exact=True
    ).click()
    page.wait_for_function(
        "id => StudioPlayer.current().id === id && StudioPlayer.audio.currentTime > 2",
        arg=clip_b.pk,
        timeout=15_000,
    )
    section = page.get_by_role("region", name="Comments")
    expect(section.get_by_label("Take", exact=True)).to_have_value(str(clip_b.pk))
    expect(section.get_by_label(re.compile(r"^at the playhead \(\d+:\d\d\)$"))).to_be_checked()
    section.get_by_label("Comment", exact=True).fill("The hook lands here")
    before = page.evaluate("StudioPlayer.audio.currentTime")
    section.get_by_role("button", name="Post comment").click()
    after = page.evaluate("StudioPlayer.audio.currentTime")

    mine = section.get_by_role("article", name="Comment by olivia")
    expect(mine).to_contain_text("The hook lands here")
    comment = Comment.objects.get()
    stamp = f"at {clock(comment.at_seconds or 0)}"
    assert comment.clip_id == clip_b.pk and comment.author == owner
    assert before - 0.05 <= (comment.at_seconds or 0) <= after + 0.05, (before, comment, after)
    expect(mine.get_by_role("button", name=stamp)).to_be_visible()
    expect(section.get_by_label("Comment", exact=True)).to_have_value("")  # a fresh form

    # The teammate sees it come in (polling), with a marker on take B's waveform.
    page.evaluate("StudioPlayer.toggle()")  # pause: from here on only the teammate plays
    item = comments_of_theirs.get_by_role("article", name="Comment by olivia")
    expect(item).to_contain_text("The hook lands here", timeout=15_000)
    expect(item).to_contain_text("Take B")
    assert theirs.evaluate("window.__sameDocument === true")
    theirs.wait_for_function(
        """id => {
          const wave = document.querySelector(`[data-waveform][data-clip="${id}"]`);
          const root = wave && wave.firstElementChild && wave.firstElementChild.shadowRoot;
          return root && root.querySelectorAll('[part~="marker"]').length === 1;
        }""",
        arg=clip_b.pk,
        timeout=10_000,
    )
    # Its time plays take B from there.
    item.get_by_role("button", name=stamp).click()
    theirs.wait_for_function(
        "([id, at]) => StudioPlayer.current() && StudioPlayer.current().id === id"
        " && !StudioPlayer.audio.paused && Math.abs(StudioPlayer.audio.currentTime - at) < 1.5",
        arg=[clip_b.pk, comment.at_seconds],
        timeout=15_000,
    )
    other.close()
    assert not errors, errors
    assert not their_errors, their_errors
