"""Stems in Chromium (issue 14): Stems on a take, the mixer appears without a reload, Solo on
Drums leaves only the drums audible, the four stay together after a seek, and Download stems
(.zip) holds the four WAVs."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import finished_songs, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
STATE = "el => window.studioMixers.state(el)"


def test_stems_mixer_solo_seek_and_download(page: Page, studio, team, owner):
    song = finished_songs(team, owner, ["night drive synthwave, female vocals, single take"])[0]
    take = song.clips.get(slot="A")
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, studio.url)
    page.goto(f"{studio.url}/songs/{song.pk}/")
    page.wait_for_load_state("load")
    region = page.get_by_role("region", name=f"Take A — {take.title}")
    region.get_by_role("button", name="Stems", exact=True).click()

    stems = page.get_by_role("region", name="Stems")
    mixer = stems.locator("[data-mixer]")
    expect(mixer).to_be_visible(timeout=40_000)  # no reload: the section reloads itself
    rows = mixer.locator(".mixer-row")
    expect(rows).to_have_count(4)
    for name in ("Drums", "Bass", "Vocals", "Other"):
        row = rows.filter(has=page.get_by_text(name, exact=True))
        expect(row.get_by_role("button", name="Mute")).to_be_visible()
        expect(row.get_by_role("button", name="Solo")).to_be_visible()

    mixer.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "el => { const s = window.studioMixers.state(el);"
        " return s && s.playing && s.position > 0.3; }",
        arg=mixer.element_handle(),
        timeout=20_000,
    )
    rows.filter(has=page.get_by_text("Drums", exact=True)).get_by_role(
        "button", name="Solo"
    ).click()
    state = mixer.evaluate(STATE)
    gains = {row["stem"]: row["gain"] for row in state["rows"]}
    assert gains == {"drums": 1, "bass": 0, "vocals": 0, "other": 0}

    # A click on the bass waveform seeks all four to the same point.
    wave = rows.filter(has=page.get_by_text("Bass", exact=True)).locator("[data-stem-wave]")
    box = wave.bounding_box()
    assert box
    wave.click(position={"x": box["width"] * 0.6, "y": box["height"] / 2})
    page.wait_for_timeout(300)
    state = mixer.evaluate(STATE)
    positions = [row["position"] for row in state["rows"]]
    assert state["playing"] and max(positions) - min(positions) < 0.02
    assert abs(positions[0] - 0.6 * take.duration_s) < 0.1 * take.duration_s + 0.5

    with page.expect_download() as caught:
        mixer.get_by_role("link", name="Download stems (.zip)").click()
    with zipfile.ZipFile(io.BytesIO(open(caught.value.path(), "rb").read())) as bundle:
        wavs = [name for name in bundle.namelist() if name.endswith(".wav")]
    assert len(wavs) == 4
