"""The compose page in Chromium: "Write lyrics for me" fills the Lyrics field and Undo puts the
old text back; Ctrl+Enter creates the song; long or empty prompts are refused by the field,
never cut; and the assistant without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from studio.songs.models import Generation, LyricsDraft
from tests.browser.conftest import log_in
from tests.browser.test_studio_flow import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THEME = "a lighthouse keeper waiting for the storm to pass"
OLD_LYRICS = "[Verse]\nmy own first line"


def open_compose(page: Page, base: str) -> None:
    log_in(page, base)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Compose").click()
    expect(page.get_by_role("heading", name="Compose", level=1)).to_be_visible()


def test_write_lyrics_fills_the_field_and_undo_restores_it(page: Page, studio, simulator, owner):
    open_compose(page, studio.url)
    page.get_by_label("Prompt", exact=True).fill(THEME)
    lyrics = page.get_by_label("Lyrics", exact=True)
    lyrics.fill(OLD_LYRICS)
    instrumental = page.get_by_label("Instrumental")
    instrumental.check()
    page.get_by_label("Structure").fill("[Verse] [Chorus] [Verse] [Chorus]")

    simulator.state.latency = 1.0  # long enough to see the progress state
    page.get_by_role("button", name="Write lyrics for me").click()
    expect(page.get_by_role("status").filter(has_text="Writing lyrics…")).to_be_visible()

    expect(page.locator("[data-lyrics-done]")).to_be_visible(timeout=15_000)
    draft = LyricsDraft.objects.get()
    assert draft.status == LyricsDraft.Status.COMPLETED
    expect(lyrics).to_have_value(draft.lyrics.replace("\r\n", "\n"))
    assert re.findall(r"^\[[^\]]+\]", lyrics.input_value(), re.M) == [
        "[Verse]", "[Chorus]", "[Verse]", "[Chorus]",
    ]  # fmt: skip
    expect(page.get_by_label("Title", exact=True)).to_have_value(draft.title)
    expect(page.locator("#lyrics-counter")).to_contain_text(f"{len(lyrics.input_value()):,} / ")
    # Lyrics make a vocal song: Instrumental is unticked, and the page says so.
    expect(instrumental).not_to_be_checked()
    expect(page.get_by_text("Instrumental is now unticked")).to_be_visible()
    expect(lyrics).to_be_enabled()
    shot(page, "lyrics-assistant")

    page.get_by_role("button", name="Undo").click()
    expect(lyrics).to_have_value(OLD_LYRICS)
    expect(instrumental).to_be_checked()
    expect(page.get_by_label("Title", exact=True)).to_have_value("")
    expect(page.get_by_text("Your previous lyrics are back.")).to_be_visible()
    expect(page.get_by_role("button", name="Undo")).to_have_count(0)
    assert not Generation.objects.exists()


def test_a_failed_draft_says_why(page: Page, studio, simulator, owner):
    open_compose(page, studio.url)
    page.get_by_label("Prompt", exact=True).fill("lo-fi, 80 bp, x!")
    page.get_by_role("button", name="Write lyrics for me").click()
    expect(page.locator("[data-lyrics-error]")).to_contain_text(
        "Flow Music could not write lyrics for this idea", timeout=15_000
    )
    expect(page.get_by_label("Lyrics", exact=True)).to_have_value("")


def test_ctrl_enter_creates_the_song_and_a_plain_enter_does_not(
    page: Page, studio, simulator, owner
):
    open_compose(page, studio.url)
    page.get_by_label("Prompt", exact=True).fill("bright city pop, slap bass")
    expect(page.get_by_text("Ctrl+Enter")).to_be_visible()
    title = page.get_by_label("Title", exact=True)
    title.fill("Neon Rain")
    title.press("Enter")
    page.wait_for_timeout(300)
    expect(page).to_have_url(re.compile(r"/compose/$"))
    page.get_by_label("Model").select_option(label="Lyria 3.5")
    title.press("Control+Enter")
    expect(page).to_have_url(re.compile(r"/queue/$"))
    generation = Generation.objects.get()
    assert generation.title == "Neon Rain" and generation.model == "lyria-3.5"


def test_a_long_paste_is_kept_whole_and_refused_and_an_empty_prompt_is_named(
    page: Page, studio, simulator, owner
):
    open_compose(page, studio.url)
    prompt = page.get_by_label("Prompt", exact=True)
    prompt.focus()
    long = "warm analog synths " * 540  # 10,260 characters
    page.keyboard.insert_text(long)
    expect(prompt).to_have_value(long)  # nothing cut off
    error = page.locator("#prompt-error")
    expect(error).to_have_text(
        "Keep this under 10,000 characters (it has 10,260; emoji count as 2)."
    )
    expect(page.locator("#prompt-counter")).to_have_class(re.compile(r"\bover\b"))
    page.get_by_role("button", name="Create song").click()
    expect(prompt).to_be_focused()
    expect(page).to_have_url(re.compile(r"/compose/$"))

    prompt.fill("   ")
    expect(error).to_be_hidden()
    prompt.press("Control+Enter")
    expect(error).to_have_text("Describe the song you want: the prompt is required.")
    expect(prompt).to_have_attribute("aria-invalid", "true")
    prompt.fill("now a real prompt")
    expect(error).to_be_hidden()
    assert not Generation.objects.exists()


def test_without_javascript_the_assistant_and_the_checks_still_work(
    browser: Browser, studio, simulator, owner
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{studio.url}/login/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{studio.url}/compose/")

    # An empty prompt: the server's message by the field (no browser bubble stops it).
    page.get_by_label("Lyrics", exact=True).fill(OLD_LYRICS)
    page.get_by_role("button", name="Create song").click()
    expect(page.locator("#prompt-error")).to_have_text(
        "Describe the song you want: the prompt is required."
    )
    expect(page.get_by_label("Lyrics", exact=True)).to_have_value(OLD_LYRICS)

    page.get_by_label("Prompt", exact=True).fill(THEME)
    page.get_by_role("button", name="Write lyrics for me").click()
    expect(page.get_by_text("Writing lyrics…")).to_be_visible()
    expect(page.get_by_label("Prompt", exact=True)).to_have_value(THEME)
    page.get_by_role("button", name="Check again").click()
    draft = LyricsDraft.objects.get()
    expect(page.get_by_label("Lyrics", exact=True)).to_have_value(draft.lyrics)
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_label("Lyrics", exact=True)).to_have_value(OLD_LYRICS)
    context.close()
