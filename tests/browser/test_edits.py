"""Edits of a take in Chromium (issue 13): Extend take A by 30 s from its end, Replace a
section dragged on the waveform, Remix with edited lyrics; each new take shows up in Versions
without a reload and plays, and the remix's new lyrics light up while it plays."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from studio.songs.models import Generation
from tests.browser.conftest import finished_songs, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_LINE = "Brand new morning over the bay"


def open_edit(take, name: str):
    panel = take.locator("details.take-edit").filter(has=take.page.get_by_text(name, exact=True))
    panel.locator("summary").click()
    expect(panel.locator("form")).to_be_visible()
    return panel


def new_version(page: Page, operation: str, timeout: float = 40_000):
    """The Versions entry of the newest edit with this operation, once it has a playable take."""
    edit = Generation.objects.filter(operation=operation).latest("pk")
    entry = page.get_by_role("region", name="Versions").locator(f'li[data-version="{edit.pk}"]')
    head = entry.locator(":scope > .version-head")
    expect(head.locator(".version-op")).to_have_text(edit.get_operation_display())
    play = entry.locator(":scope > .version-takes > li > button[data-player]").first
    expect(play).to_be_visible(timeout=timeout)
    return entry


def test_extend_replace_and_remix_from_the_song_page(page: Page, studio, team, owner):
    song = finished_songs(team, owner, ["night drive synthwave, female vocals"])[0]
    take_a, take_b = song.clips.order_by("slot")
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, studio.url)
    page.goto(f"{studio.url}/songs/{song.pk}/")
    page.wait_for_load_state("load")
    region_a = page.get_by_role("region", name=f"Take A — {take_a.title}")

    # Extend take A by 30 s from its end: Extend from left empty means the end.
    panel = open_edit(region_a, "Extend")
    panel.get_by_label("Instruction").fill("a long synth solo")
    panel.get_by_label("Seconds to add").fill("30")
    # A click on the waveform picks Extend from; emptied again, it extends from the end.
    wave_a = region_a.locator("[data-waveform]")
    wave_a.scroll_into_view_if_needed()
    box = wave_a.bounding_box()
    assert box
    wave_a.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    picked = float(panel.get_by_label("Extend from").input_value())
    assert abs(picked - take_a.duration_s / 2) < 0.1 * take_a.duration_s
    panel.get_by_label("Extend from").fill("")
    panel.get_by_role("button", name="Create take").click()
    expect(panel.get_by_role("status")).to_contain_text("Extend queued")
    extended = new_version(page, "extend")
    expect(extended).to_contain_text("a long synth solo")
    extended.get_by_role("button", name="Play A").first.click()
    edit = Generation.objects.get(operation="extend")
    new_take = edit.clips.get()
    assert abs(new_take.duration_s - (take_a.duration_s + 30)) < 0.05
    page.wait_for_function(
        "id => { const t = window.StudioPlayer.current(); return t && t.id === id"
        " && !window.StudioPlayer.audio.paused && window.StudioPlayer.audio.currentTime > 0.2; }",
        arg=new_take.pk,
        timeout=15_000,
    )
    page.get_by_role("button", name="Pause").first.click()

    # Replace section: drag across the middle of take B's waveform.
    region_b = page.get_by_role("region", name=f"Take B — {take_b.title}")
    panel = open_edit(region_b, "Replace section")
    wave = region_b.locator("[data-waveform]")
    page.wait_for_function(
        "() => !!window.studioTakes.surfer(document.querySelectorAll('[data-waveform]')[1])"
    )
    wave.scroll_into_view_if_needed()
    box = wave.bounding_box()
    assert box
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.25, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=12)
    page.mouse.up()
    start = float(panel.get_by_label("Section start").input_value())
    end = float(panel.get_by_label("Section end").input_value())
    duration = take_b.duration_s
    assert 0.15 * duration < start < 0.35 * duration < 0.4 * duration < end < 0.6 * duration
    panel.get_by_label("Instruction").fill("a drum break")
    panel.get_by_role("button", name="Create take").click()
    expect(panel.get_by_role("status")).to_contain_text("Replace section queued")
    new_version(page, "replace")
    replaced = Generation.objects.get(operation="replace")
    assert replaced.options == {"mask_start_s": round(start, 2), "mask_end_s": round(end, 2)}

    # Remix take A with edited lyrics; its page highlights the new line while it plays.
    panel = open_edit(region_a, "Remix")
    lyrics = panel.get_by_role("textbox", name="Lyrics")
    expect(lyrics).to_have_value(re.compile(r"Headlights on the empty road"))
    lyrics.fill(f"[Verse]\n{NEW_LINE}\n[Chorus]\nSing the remix all day")
    panel.get_by_role("button", name="Create take").click()
    expect(panel.get_by_role("status")).to_contain_text("Remix queued")
    remixed = new_version(page, "remix")
    remixed.locator(":scope > .version-head > a").click()
    remix = Generation.objects.get(operation="remix")
    expect(page).to_have_url(f"{studio.url}/songs/{remix.pk}/")
    expect(page.get_by_text("Remix of “")).to_be_visible()
    take = page.locator("[data-take]").first
    take.get_by_role("button", name="Play", exact=True).click()
    expect(take.locator(".lyric-line.current")).to_have_text(NEW_LINE, timeout=20_000)
