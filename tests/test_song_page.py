"""The song page (/songs/<pk>/) and what the templates get for a take (ClipView, GenerationView)."""

from __future__ import annotations

import html
import json

import pytest
from django.urls import reverse

from studio.library.presenters import duration_text, generation_views, peaks_attribute
from studio.songs.models import Clip, Generation
from tests.test_library import make_cover, make_song

pytestmark = pytest.mark.django_db

TRACK_FIELDS = {"id", "src", "title", "song", "cover", "duration", "gain"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_the_song_page_shows_the_teams_song_with_its_pick(owner_client, team, owner):
    generation = make_song(team, owner, titles=("Morning Sun", ""))
    picked = generation.clips.get(slot="B")
    Clip.objects.filter(pk=picked.pk).update(is_pick=True, loudness_lufs=-10.5, true_peak_db=-0.4)
    url = reverse("song", args=[generation.pk])
    assert url == f"/songs/{generation.pk}/"
    response = owner_client.get(url)
    assert response.status_code == 200
    assert "library/song.html" in [t.name for t in response.templates]
    song, pick = response.context["song"], response.context["pick"]
    assert song.generation == generation and song.url == url
    assert [cv.label for cv in song.clips] == ["Take A — Morning Sun", "Take B — Untitled"]
    assert pick is song.clips[1] and pick.clip.pk == picked.pk
    assert (pick.loudness_lufs, pick.true_peak_db, pick.gain_db) == (-10.5, -0.4, -3.5)
    assert song.clips[0].gain_db == 0.0  # not measured: no gain
    assert song.cover_url  # the takes' artwork, as the library shows it


def test_no_pick_is_none(owner_client, team, owner):
    generation = make_song(team, owner, media=False)
    assert owner_client.get(f"/songs/{generation.pk}/").context["pick"] is None


def test_another_teams_song_and_unfinished_songs_are_404(
    owner_client, team, owner, other_team, outsider
):
    theirs = make_song(other_team, outsider, media=False)
    assert owner_client.get(f"/songs/{theirs.pk}/").status_code == 404
    for status in (Generation.Status.RUNNING, Generation.Status.FAILED):
        unfinished = make_song(team, owner, media=False, status=status)
        assert owner_client.get(f"/songs/{unfinished.pk}/").status_code == 404
    assert owner_client.get("/songs/999999/").status_code == 404


def test_the_song_page_needs_a_login(client, team, owner):
    generation = make_song(team, owner, media=False)
    response = client.get(f"/songs/{generation.pk}/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_track_json_is_the_contracts_track_escaped_for_an_attribute(team, owner):
    cover = make_cover(team, owner)
    generation = make_song(team, owner, titles=('It\'s "Night" <Drive>', "B side"), cover=cover)
    Clip.objects.filter(generation=generation, slot="A").update(
        loudness_lufs=-8.0, true_peak_db=0.3, duration_s=24.98
    )
    view = generation_views([Generation.objects.get(pk=generation.pk)])[0]
    first = view.clips[0]
    raw = str(first.track_json)
    assert "'" not in raw and '"' not in raw and "<" not in raw  # safe in any quoted attribute
    track = json.loads(html.unescape(raw))
    assert set(track) == TRACK_FIELDS and track == first.track
    clip = first.clip
    assert track == {
        "id": clip.pk,
        "src": f"/clips/{clip.pk}/m4a",
        "title": 'It\'s "Night" <Drive> (A)',
        "song": f"/songs/{generation.pk}/",
        "cover": f"/covers/{cover.pk}",
        "duration": 24.98,
        "gain": -6.0,
    }
    # The same floor everywhere: 24.98 s is 0:24 in the header and under the waveform.
    assert first.duration == "0:24" and first.duration_s == 24.98
    assert "0:24" in first.player and "0:25" not in first.player
    assert first.peaks == peaks_attribute(Clip.objects.get(pk=clip.pk).peaks) != ""
    assert json.loads(html.unescape(view.clips[1].track_json))["gain"] == 0


def test_durations_are_floored():
    assert [duration_text(s) for s in (None, 0, 24.48, 24.5, 24.99, 59.999, 60, 125.4)] == [
        "", "0:00", "0:24", "0:24", "0:24", "0:59", "1:00", "2:05",
    ]  # fmt: skip


def test_timed_lyrics_are_seek_buttons_on_their_own(team, owner):
    generation = make_song(team, owner, media=False)
    lyrics = generation_views([generation])[0].clips[0].lyrics
    assert (
        '<button type="button" class="lyric-line" data-start="1.50" data-end="3.25">'
        "Morning sun on the water</button>"
    ) in lyrics
    assert '<h3 class="lyric-tag">Verse</h3>' in lyrics


def test_library_rows_link_to_their_song_page(owner_client, team, owner):
    generation = make_song(team, owner, media=False)
    items = owner_client.get("/").context["items"]
    assert [item.url for item in items] == [f"/songs/{generation.pk}/"]
