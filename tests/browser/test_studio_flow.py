"""A new user's first song, clicked through the real pages in Chromium (issue 5 acceptance)."""

from __future__ import annotations

import hashlib
import io
import re
import wave
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from studio.songs.models import Clip, Generation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LYRICS = """[Verse]
City lights blur in the rain
Every window holds a name
[Chorus]
And I will wait for the morning sun
Till the long night is done"""


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")


def sung_lines(lyrics: str) -> list[str]:
    return [line for line in lyrics.splitlines() if line.strip() and not line.startswith("[")]


def test_first_song_from_an_empty_instance(page: Page, studio, simulator):
    page.set_viewport_size({"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    # First run: the instance has no users.
    page.goto(studio.url)
    expect(page.get_by_role("heading", name="Create the first account")).to_be_visible()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Team name").fill("Night Owls")
    page.get_by_label("Password", exact=True).fill("a-long-pass-phrase")
    page.get_by_label("Password confirmation").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Library")).to_be_visible()

    # Compose with lyrics and generated cover art.
    page.get_by_role("link", name="Compose", exact=True).click()
    page.get_by_label("Prompt", exact=True).fill("dreamy synth pop, 100 bpm, female vocals")
    page.get_by_label("Lyrics", exact=True).fill(LYRICS)
    expect(page.locator("#lyrics-counter")).to_contain_text(f"{len(LYRICS)} / 10,000")
    page.get_by_label("Cover art prompt").fill("neon city skyline at night")
    page.get_by_role("button", name="Generate cover art").click()
    option = page.locator("label.cover-option").first
    expect(option).to_be_visible(timeout=20_000)
    option.click()
    ready = page.locator("[data-cover-use=ready]")
    expect(ready).to_be_visible(timeout=20_000)
    asset_id = ready.get_attribute("data-asset")
    assert asset_id
    shot(page, "compose")

    simulator.state.latency = 4.0  # long enough to watch the queue change by itself
    page.get_by_role("button", name="Create song").click()
    expect(page).to_have_url(re.compile(r"/queue/$"))
    item = page.locator("li[data-generation]").first
    assert item.get_attribute("data-status") in ("queued", "submitting", "running")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    # The queue turns complete by itself (htmx polling), without a reload.
    expect(item).to_have_attribute("data-status", "completed", timeout=45_000)
    assert navigations == []
    shot(page, "queue")

    posted = [r for r in simulator.state.requests if r.route == "POST /music"]
    assert len(posted) == 1 and posted[0].json["refImage1"] == asset_id
    generation = Generation.objects.get()
    clip_a = generation.clips.get(slot="A")

    # Library → song page: take A plays in the player bar, the lyric highlight follows, a click
    # on a line seeks.
    page.get_by_role("link", name="Library", exact=True).click()
    page.locator(f"#generation-{generation.pk} .row-title a").click()
    expect(page).to_have_url(re.compile(rf"/songs/{generation.pk}/$"))
    clip = page.locator("section.take[data-slot=A]").first
    clip.get_by_role("button", name="Play", exact=True).click()
    audio = page.locator("#player-audio")
    page.wait_for_function("el => el.currentTime > 0.3", arg=audio.element_handle(), timeout=15_000)
    shot(page, "song")
    audio.evaluate("el => { el.playbackRate = 4; }")
    first_current = clip.locator(".lyric-line.current")
    expect(first_current).to_have_count(1, timeout=20_000)
    first_text = first_current.inner_text()
    page.wait_for_function(
        """([box, text]) => {
            const line = box.querySelector('.lyric-line.current');
            return line && line.innerText !== text;
        }""",
        arg=[clip.locator("[data-lyrics]").element_handle(), first_text],
        timeout=30_000,
    )
    last_line = clip.locator(".lyric-line").last
    start = float(last_line.get_attribute("data-start"))
    last_line.click()
    page.wait_for_function(
        "([el, t]) => el.currentTime >= t - 0.05",
        arg=[audio.element_handle(), start],
        timeout=10_000,
    )
    expect(last_line).to_have_class(re.compile(r"\bcurrent\b"))

    # Take B replaces A in the one player; Space (outside a field) pauses it.
    clip_b = page.locator("section.take[data-slot=B]").first
    clip_b.get_by_role("button", name="Play", exact=True).click()
    clip_b_pk = generation.clips.get(slot="B").pk
    page.wait_for_function(
        "([el, pk]) => !el.paused && el.src.endsWith(`/clips/${pk}/m4a`)",
        arg=[audio.element_handle(), clip_b_pk],
        timeout=15_000,
    )
    assert page.locator("audio").count() == 1
    page.locator("h1").click()
    page.keyboard.press("Space")
    page.wait_for_function("el => el.paused", arg=audio.element_handle(), timeout=5_000)
    page.get_by_role("link", name="Library", exact=True).click()
    shot(page, "library")
    page.go_back()

    # Download WAV: the audio the simulator served, with our tags added (an ID3 chunk).
    with page.expect_download() as info:
        clip.get_by_role("link", name="Download WAV").click()
    download = info.value
    assert download.suggested_filename == f"{clip_a.title} (A).wav"
    ours = Path(download.path()).read_bytes()
    upstream = httpx.get(clip_a.wav_url).content

    def frames(data: bytes) -> bytes:
        with wave.open(io.BytesIO(data)) as wav:
            return wav.readframes(wav.getnframes())

    assert hashlib.sha256(frames(ours)).digest() == hashlib.sha256(frames(upstream)).digest()
    assert b"id3 " in ours
    with wave.open(io.BytesIO(ours)) as wav:
        assert abs(wav.getnframes() / wav.getframerate() - clip_a.duration_s) < 0.1

    # The .lrc has one timed line per sung line.
    lrc = page.request.get(f"{studio.url}/clips/{clip_a.pk}/lrc").text()
    timed = [line for line in lrc.splitlines() if re.match(r"^\[\d\d:\d\d\.\d\d\]", line)]
    assert len(timed) == len(sung_lines(clip_a.lyrics)) == len(clip_a.lyrics_timing)

    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_the_pages_work_on_a_phone(page: Page, studio, simulator, owner):
    """A phone-sized viewport: navigation wraps, compose fields fit, no sideways scrolling."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{studio.url}/login/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Log in").click()
    for path in ("/compose/", "/queue/", "/", "/team/", "/settings/"):
        page.goto(studio.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, f"{path} scrolls sideways ({width}px)"
    page.goto(studio.url + "/compose/")
    expect(page.get_by_role("button", name="Create song")).to_be_visible()
    shot(page, "compose-phone")
    assert Clip.objects.count() == 0
