"""The song page and the library rows, in Chromium (issue 12): a song made through the simulator,
its waveforms drawn from the stored peaks, Compare at the same playhead, lyrics that seek, and
rows that fit a screen and take one Tab stop each."""

from __future__ import annotations

import io
import re
import uuid
import wave

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from playwright.sync_api import Page, expect

from studio.songs.models import Clip, Generation
from tests.browser.conftest import finished_songs, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Capture-phase listeners: the playhead the moment the user presses, and where the other take
# starts playing. Set before each press; read with `wait_switched`.
WATCH_SWITCH = """() => {
  const audio = window.StudioPlayer.audio;
  window.__switch = {from: null, to: null, id: null};
  const note = () => {
    if (window.__switch.from === null) window.__switch.from = audio.currentTime;
  };
  document.addEventListener("pointerdown", note, {capture: true, once: true});
  document.addEventListener("keydown", note, {capture: true, once: true});
  const playing = () => {
    if (audio.seeking || audio.readyState < 3) return;
    audio.removeEventListener("playing", playing);
    audio.removeEventListener("seeked", playing);
    window.__switch.to = audio.currentTime;
    window.__switch.id = window.StudioPlayer.current().id;
  };
  audio.addEventListener("playing", playing);
  audio.addEventListener("seeked", playing);
}"""


def made_song(team, owner, prompt: str = "night drive synthwave, female vocals") -> Generation:
    """A song with two timed, sung takes, made by the simulator through the real pipeline."""
    generation = finished_songs(team, owner, [prompt])[0]
    assert generation.clips.count() == 2
    return generation


def read_wav(clip: Clip) -> tuple[np.ndarray, int, int]:
    """A take's stored WAV as floats in [-1, 1], its rate and channel count."""
    with clip.wav.open("rb") as file, wave.open(file) as wav:
        assert wav.getsampwidth() == 2
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        return pcm.astype(np.float64) / 32768, wav.getframerate(), wav.getnchannels()


def write_wav(clip: Clip, samples: np.ndarray, rate: int, channels: int) -> None:
    """Replaces the take's stored WAV (same name) with these samples, 16-bit PCM."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.round(np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    name = clip.wav.name
    clip.wav.storage.delete(name)
    assert clip.wav.storage.save(name, ContentFile(out.getvalue())) == name


def listed_song(team, owner, number: int) -> Generation:
    """A finished song straight in the database: enough for the rows (no media is fetched)."""
    generation = Generation.objects.create(
        team=team,
        author=owner,
        prompt=f"song number {number}, lo-fi piano",
        status=Generation.Status.COMPLETED,
    )
    for slot in "AB":
        Clip.objects.create(
            generation=generation,
            slot=slot,
            clip_id=uuid.uuid4().hex,
            title=f"Song {number}",
            duration_s=95.0,
            peaks=[0.5] * 10,
        )
    return generation


def console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def wait_switched(page: Page, clip_id: int) -> dict:
    page.wait_for_function(
        "id => window.__switch && window.__switch.id === id && window.__switch.to !== null",
        arg=clip_id,
        timeout=15_000,
    )
    return page.evaluate("window.__switch")


def test_the_title_opens_the_song_page_and_its_waveforms_come_from_the_peaks(
    page: Page, studio, team, owner
):
    generation = made_song(team, owner)
    clip_a, clip_b = generation.clips.order_by("slot")
    page.set_viewport_size({"width": 1280, "height": 800})
    errors = console_errors(page)
    media_requests: list[str] = []
    page.on(
        "request",
        lambda request: (
            media_requests.append(request.url)
            if re.search(r"/clips/\d+/(wav|m4a)", request.url)
            else None
        ),
    )
    log_in(page, studio.url)

    row = page.locator(f"#generation-{generation.pk}")
    row.get_by_role("link", name=clip_a.title).click()
    expect(page).to_have_url(f"{studio.url}/songs/{generation.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(clip_a.title)
    expect(page).to_have_title(re.compile(re.escape(clip_a.title)))
    take_a = page.get_by_role("region", name=f"Take A — {clip_a.title}")
    expect(take_a).to_be_visible()
    expect(page.get_by_role("region", name=f"Take B — {clip_b.title}")).to_be_visible()
    for name in ("Play", "Play next", "Add to queue"):
        expect(take_a.get_by_role("button", name=name, exact=True)).to_be_visible()
    for name in ("Download WAV", "Download lyrics (.lrc)", "Download m4a"):
        expect(take_a.get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_role("link", name="Download all (.zip)")).to_be_visible()

    # Both waveforms are drawn by wavesurfer (a canvas in its shadow root) with visible bars...
    page.wait_for_function(
        """() => {
          const waves = [...document.querySelectorAll('[data-waveform]')];
          return waves.length === 2 && waves.every((wave) => {
            const root = wave.firstElementChild && wave.firstElementChild.shadowRoot;
            const canvas = root && root.querySelector('canvas');
            if (!canvas || !canvas.width) return false;
            const context = canvas.getContext('2d');
            const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) return true;
            return false;
          });
        }""",
        timeout=10_000,
    )
    box = take_a.locator("[data-waveform]").bounding_box()
    assert box and box["width"] > 200 and 40 <= box["height"] <= 80
    # ...and nothing was fetched to draw them: no WAV, and no m4a until something plays.
    assert media_requests == []

    # A click on B's waveform plays B from there, and its progress shows on that waveform.
    take_b = page.get_by_role("region", name=f"Take B — {clip_b.title}")
    wave_b = take_b.locator("[data-waveform]")
    wave_b.click(position={"x": box["width"] * 0.5, "y": box["height"] / 2})
    page.wait_for_function(
        "id => window.StudioPlayer.current() && window.StudioPlayer.current().id === id"
        " && !window.StudioPlayer.audio.paused && window.StudioPlayer.audio.currentTime > 0",
        arg=clip_b.pk,
        timeout=15_000,
    )
    at = page.evaluate("window.StudioPlayer.audio.currentTime")
    assert abs(at - clip_b.duration_s * 0.5) < 1.0
    expect(take_b.locator("[data-time]")).to_have_text(re.compile(r"^\d+:\d\d$"))
    expect(take_b).to_have_class(re.compile(r"\bcurrent\b"))
    assert not any("/wav" in url for url in media_requests)
    assert not errors, errors  # a CSP refusal (wavesurfer's shadow <style>) would show here


def test_compare_switches_takes_at_the_same_playhead_by_button_and_by_n(
    page: Page, studio, team, owner
):
    generation = made_song(team, owner)
    clip_a, clip_b = generation.clips.order_by("slot")
    page.set_viewport_size({"width": 1280, "height": 800})
    errors = console_errors(page)
    log_in(page, studio.url)
    page.goto(f"{studio.url}/songs/{generation.pk}/")

    compare = page.locator("[data-compare]")
    expect(compare.get_by_text("press N to switch")).to_be_visible()
    expect(compare.get_by_label("Match loudness")).to_be_checked()
    button_a = compare.get_by_role("button", name="A", exact=True)
    button_b = compare.get_by_role("button", name="B", exact=True)
    expect(button_a).to_have_attribute("aria-pressed", "false")

    button_a.click()
    page.wait_for_function(
        "id => StudioPlayer.current().id === id && StudioPlayer.audio.currentTime > 2",
        arg=clip_a.pk,
        timeout=15_000,
    )
    expect(button_a).to_have_attribute("aria-pressed", "true")

    # The button: A -> B at the same playhead.
    page.evaluate(WATCH_SWITCH)
    button_b.click()
    switched = wait_switched(page, clip_b.pk)
    assert abs(switched["to"] - switched["from"]) <= 0.25, switched
    expect(button_b).to_have_attribute("aria-pressed", "true")
    expect(button_a).to_have_attribute("aria-pressed", "false")

    # N: B -> A, again at the same playhead.
    page.wait_for_function("() => window.StudioPlayer.audio.currentTime > 3", timeout=10_000)
    page.evaluate(WATCH_SWITCH)
    page.keyboard.press("n")  # the focus is on the B button
    switched = wait_switched(page, clip_a.pk)
    assert abs(switched["to"] - switched["from"]) <= 0.25, switched
    expect(button_a).to_have_attribute("aria-pressed", "true")
    assert not errors, errors


def test_compare_matches_a_take_made_6_db_louder(page: Page, studio, team, owner):
    generation = made_song(team, owner)
    clip_a, clip_b = generation.clips.order_by("slot")
    # Take B becomes take A's audio, and take A the same audio 6 dB quieter: B is 6 dB louder.
    # Both are measured again from their files by the backfill, as ingest measures them.
    samples, rate, channels = read_wav(clip_a)
    write_wav(clip_b, samples, rate, channels)
    write_wav(clip_a, samples * 10 ** (-6 / 20), rate, channels)
    Clip.objects.filter(generation=generation).update(loudness_lufs=None, true_peak_db=None)
    call_command("analyse_loudness", stdout=io.StringIO())
    measured = dict(Clip.objects.filter(generation=generation).values_list("slot", "loudness_lufs"))
    assert measured["B"] - measured["A"] == pytest.approx(6.0, abs=0.1)
    log_in(page, studio.url)
    page.goto(f"{studio.url}/songs/{generation.pk}/")
    compare = page.locator("[data-compare]")

    compare.get_by_role("button", name="A", exact=True).click()
    page.wait_for_function(
        "id => window.StudioPlayer.current().id === id && !window.StudioPlayer.audio.paused",
        arg=clip_a.pk,
        timeout=15_000,
    )
    gain_a = page.evaluate("window.StudioPlayer.appliedGainDb()")
    compare.get_by_role("button", name="B", exact=True).click()
    page.wait_for_function(
        "id => window.StudioPlayer.current().id === id", arg=clip_b.pk, timeout=15_000
    )
    gain_b = page.evaluate("window.StudioPlayer.appliedGainDb()")
    assert abs((gain_b - gain_a) - -6.0) <= 1.0, (gain_a, gain_b)

    # Matching off: the take plays as it was made.
    compare.get_by_label("Match loudness").uncheck()
    page.wait_for_function("() => Math.abs(window.StudioPlayer.appliedGainDb()) < 0.01")
    compare.get_by_role("button", name="B", exact=True).focus()  # N is not taken from a field
    page.keyboard.press("n")
    page.wait_for_function(
        "id => window.StudioPlayer.current().id === id", arg=clip_a.pk, timeout=15_000
    )
    assert abs(page.evaluate("window.StudioPlayer.appliedGainDb()")) < 0.01


def test_lyric_lines_seek_and_the_sung_line_is_highlighted(page: Page, studio, team, owner):
    generation = made_song(team, owner)
    clip_a = generation.clips.get(slot="A")
    log_in(page, studio.url)
    page.goto(f"{studio.url}/songs/{generation.pk}/")
    take_a = page.get_by_role("region", name=re.compile("^Take A"))
    lyrics = take_a.get_by_role("region", name="Lyrics, take A")
    expect(lyrics).to_have_attribute("tabindex", "0")
    lines = lyrics.locator("button.lyric-line[data-start]")
    expect(lines).to_have_count(len(clip_a.lyrics_timing))

    last = lines.last
    start = float(last.get_attribute("data-start"))
    last.click()
    page.wait_for_function(
        "([id, t]) => { const p = window.StudioPlayer; return p.current() && p.current().id === id"
        " && !p.audio.seeking && Math.abs(p.audio.currentTime - t) < 0.5; }",
        arg=[clip_a.pk, start],
        timeout=15_000,
    )
    expect(last).to_have_class(re.compile(r"\bcurrent\b"))
    expect(last).to_have_attribute("aria-current", "true")
    # Take B is not playing: none of its lines is highlighted.
    take_b = page.get_by_role("region", name=re.compile("^Take B"))
    expect(take_b.locator(".lyric-line.current")).to_have_count(0)

    # The first line, while the take plays: a seek back within the same take; then the
    # highlight follows the music, and only inside the lyrics box (the page stays put).
    first = lines.first
    first.click()
    page.wait_for_function(
        "t => Math.abs(window.StudioPlayer.audio.currentTime - t) < 0.5",
        arg=float(first.get_attribute("data-start")),
        timeout=10_000,
    )
    expect(first).to_have_class(re.compile(r"\bcurrent\b"))
    scrolled = page.evaluate("window.scrollY")
    page.evaluate("window.StudioPlayer.audio.playbackRate = 4")
    expect(lines.nth(1)).to_have_class(re.compile(r"\bcurrent\b"), timeout=20_000)
    expect(lyrics.locator(".lyric-line.current")).to_have_count(1)
    assert page.evaluate("window.scrollY") == scrolled


def test_rows_fit_a_screen_and_take_one_tab_stop_each(page: Page, studio, team, owner):
    for number in range(12):
        listed_song(team, owner, number)
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, studio.url)
    rows = page.locator("[data-row]")
    expect(rows).to_have_count(12)

    def rows_per_screen() -> int:
        return page.evaluate(
            """() => {
              const rows = [...document.querySelectorAll('[data-row]')];
              const bar = document.getElementById('player');
              const room = (bar ? bar.getBoundingClientRect().top : innerHeight);
              const top = rows[0].getBoundingClientRect().top;
              return rows.filter((row) => row.getBoundingClientRect().bottom - top <= room).length;
            }"""
        )

    assert rows_per_screen() >= 8
    # Titles are links, not fields.
    title = rows.first.get_by_role("link", name="Song 11")
    expect(title).to_be_visible()
    assert rows.first.locator("input[type=text]").count() == 0

    # One Tab stop per row; arrows move inside a row and between rows.
    title.focus()
    page.keyboard.press("ArrowRight")
    expect(rows.first.get_by_role("button", name="Play A")).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(rows.first.get_by_role("button", name="Play B")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(rows.nth(1).get_by_role("button", name="Play B")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(rows.first.get_by_role("button", name="Play B")).to_be_focused()
    page.keyboard.press("Tab")
    expect(rows.nth(1).get_by_role("button", name="Play B")).to_be_focused()
    page.keyboard.press("Tab")
    expect(rows.nth(2).get_by_role("link", name="Song 9")).to_be_focused()
    # The More menu: its items join the row while it is open.
    more = rows.nth(2).locator("details.more > summary")
    more.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")
    # Each take has its own Play next, Add to queue and Add to project.
    menu = rows.nth(2).locator(".more-menu")
    take_a, take_b = (
        menu.get_by_role("group", name="Take A"),
        menu.get_by_role("group", name="Take B"),
    )
    expect(take_a.get_by_role("button", name="Play next")).to_be_focused()
    for take in (take_a, take_b):
        for name in ("Play next", "Add to queue"):
            expect(take.get_by_role("button", name=name)).to_be_visible()
        expect(take.get_by_text("Add to project", exact=True)).to_be_visible()
    for name in ("Use these settings again", "Download all (.zip)"):
        expect(rows.nth(2).get_by_role("link", name=name)).to_be_visible()
    page.keyboard.press("Escape")
    expect(more).to_be_focused()
    expect(take_a.get_by_role("button", name="Play next")).to_be_hidden()
    # Picking from the keyboard: the swapped-in button keeps the focus and the row one Tab stop.
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    pick = rows.nth(2).get_by_role("button", name="Pick take A")
    expect(pick).to_be_focused()
    play_b = rows.nth(2).get_by_role("button", name="Play B")
    before = [pick.bounding_box(), play_b.bounding_box(), rows.nth(2).bounding_box()]
    page.keyboard.press("Enter")
    picked = rows.nth(2).get_by_role("button", name="Picked take A")
    expect(picked).to_be_focused()
    # "Pick" → "Picked" moves nothing: the button, the next take and the row keep their boxes.
    after = [picked.bounding_box(), play_b.bounding_box(), rows.nth(2).bounding_box()]
    assert after == before
    assert rows.nth(2).locator('[tabindex="0"]').count() == 1
    page.keyboard.press("ArrowRight")
    expect(rows.nth(2).get_by_role("button", name="Play B")).to_be_focused()

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert rows_per_screen() >= 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 392


def test_the_song_page_fits_a_phone_and_wraps_a_long_prompt(page: Page, studio, team, owner):
    generation = made_song(team, owner, prompt="synthwave " + "x" * 300)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, studio.url)
    page.goto(f"{studio.url}/songs/{generation.pk}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 392


def test_a_vocal_take_without_lyrics_says_so_and_not_that_it_is_instrumental(
    page: Page, studio, team, owner
):
    generation = listed_song(team, owner, 1)  # vocal, and no lyrics came back
    log_in(page, studio.url)
    page.goto(f"{studio.url}/songs/{generation.pk}/")
    expect(page.get_by_text("No lyrics came back for this take.")).to_have_count(2)
    expect(page.get_by_text("Instrumental: no lyrics.")).to_have_count(0)
