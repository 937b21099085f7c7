"""The library page: listing, search, filters, pages, players' markup, title edits and picks."""

from __future__ import annotations

import html
import io
import re
import tempfile
import uuid
import wave
from datetime import timedelta
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from studio.library.presenters import peaks_attribute
from studio.simulator.render import RenderedSong, write_m4a
from studio.songs import search
from studio.songs.models import Clip, CoverArt, Generation

LYRICS = "[Verse]\nMorning sun on the water\nWe run like a river\n\n[Chorus]\nHold on, hold on\n"
TIMING = [[1.5, 3.25], [3.5, 5.0], [65.5, 67.0]]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Pages name static files; the manifest storage would need a fresh collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _tone(seconds: float = 1.0, rate: int = 8000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.4 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


@cache
def wav_bytes() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes((_tone() * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


@cache
def m4a_bytes() -> bytes:
    """A real AAC m4a, one second long."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tone.m4a"
        write_m4a(RenderedSong(_tone(1.0, 44100), 44100, 1.0, "Tone", "", None, 120), path)
        return path.read_bytes()


@cache
def jpeg_bytes(colour: str = "orange") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def make_song(
    team,
    author,
    *,
    prompt: str = "dreamy synth pop about the sea",
    lyrics: str = LYRICS,
    titles: tuple[str, ...] = ("Morning Sun", "Golden Sky"),
    instrumental: bool = False,
    age_minutes: int = 0,
    media: bool = True,
    status: str = Generation.Status.COMPLETED,
    cover: CoverArt | None = None,
) -> Generation:
    """A finished generation with real (tiny) media, created `age_minutes` ago."""
    generation = Generation.objects.create(
        team=team,
        author=author,
        prompt=prompt,
        lyrics="" if instrumental else lyrics,
        instrumental=instrumental,
        status=status,
        cover_art=cover,
        account_email="alice@example.com",
        request={"prompt": prompt, "mode": "async", "replyUrl": "https://x/hooks/secret/"},
    )
    created = timezone.now() - timedelta(minutes=age_minutes)
    Generation.objects.filter(pk=generation.pk).update(created=created)
    generation.created = created
    for slot, title in zip("AB", titles, strict=False):
        clip = Clip(
            generation=generation,
            slot=slot,
            clip_id=uuid.uuid4().hex,
            title=title,
            duration_s=125.4,
            lyrics="" if instrumental else lyrics,
            lyrics_timing=None if instrumental else TIMING,
            seed=42,
            peaks=[round(i / 799, 3) for i in range(800)],
        )
        if media:
            clip.wav.save(f"{slot}.wav", ContentFile(wav_bytes()), save=False)
            clip.audio.save(f"{slot}.m4a", ContentFile(m4a_bytes()), save=False)
            clip.image.save(f"{slot}.jpg", ContentFile(jpeg_bytes()), save=False)
        clip.save()
    search.refresh(generation.pk)  # as the pipeline does when the clips arrive
    return generation


def make_cover(team, author) -> CoverArt:
    cover = CoverArt(team=team, author=author, provider="upload", content_type="image/jpeg")
    cover.image.save("cover.jpg", ContentFile(jpeg_bytes("navy")), save=True)
    return cover


def listed(response) -> list[int]:
    """Generation ids in page order."""
    return [int(pk) for pk in re.findall(r'id="generation-(\d+)"', response.content.decode())]


# Listing


def test_the_library_lists_the_teams_songs_newest_first(
    owner_client, team, owner, other_team, outsider
):
    old = make_song(team, owner, age_minutes=30, media=False)
    new = make_song(team, owner, age_minutes=1, media=False)
    middle = make_song(team, owner, age_minutes=10, media=False)
    make_song(other_team, outsider, prompt="rival song", media=False)
    response = owner_client.get("/")
    assert response.status_code == 200
    assert listed(response) == [new.pk, middle.pk, old.pk]
    assert "rival song" not in response.content.decode()


def test_a_teammate_sees_the_teams_songs(teammate_client, team, owner):
    generation = make_song(team, owner, media=False)
    assert listed(teammate_client.get("/")) == [generation.pk]


def test_unfinished_songs_and_songs_without_clips_are_not_listed(owner_client, team, owner):
    make_song(team, owner, status=Generation.Status.RUNNING, media=False)
    make_song(team, owner, titles=(), media=False)
    done = make_song(team, owner, media=False)
    assert listed(owner_client.get("/")) == [done.pk]


def test_the_empty_library_points_to_compose(owner_client):
    page = owner_client.get("/").content.decode()
    assert "No songs yet." in page and 'href="/compose/"' in page


def test_no_match_says_so_and_offers_a_way_back(owner_client, team, owner):
    make_song(team, owner, media=False)
    page = owner_client.get("/?q=zzzz").content.decode()
    assert "No songs match these filters." in page
    assert 'href="/"' in page and 'href="/compose/"' in page


# Search and filters


@pytest.mark.parametrize("query", ["SEA", "golden sky", "hold on"])
def test_search_looks_in_prompt_clip_titles_and_lyrics(owner_client, team, owner, query):
    hit = make_song(team, owner, media=False)
    make_song(team, owner, prompt="jazz", lyrics="[Verse]\nSomething else", titles=("X", "Y"))
    response = owner_client.get("/", {"q": query})
    # Both clips match "hold on": still one row per generation.
    assert listed(response) == [hit.pk]
    assert "1 song found" in response.content.decode()


def test_filters_mine_kind_and_picks(owner_client, team, owner, teammate):
    mine_vocal = make_song(team, owner, media=False, age_minutes=3)
    theirs_instrumental = make_song(team, teammate, instrumental=True, media=False, age_minutes=2)
    picked = make_song(team, teammate, media=False, age_minutes=1)
    Clip.objects.filter(generation=picked, slot="B").update(is_pick=True)

    assert listed(owner_client.get("/?who=mine")) == [mine_vocal.pk]
    assert listed(owner_client.get("/?kind=instrumental")) == [theirs_instrumental.pk]
    assert listed(owner_client.get("/?kind=vocal")) == [picked.pk, mine_vocal.pk]
    picks = owner_client.get("/?picks=1")
    assert listed(picks) == [picked.pk]
    # Picks only shows the picked take.
    assert picks.content.decode().count('class="row-take"') == 1
    assert listed(owner_client.get("/?kind=nonsense")) == [
        picked.pk,
        theirs_instrumental.pk,
        mine_vocal.pk,
    ]


def test_filters_are_a_plain_get_form_with_labels(owner_client, team, owner):
    make_song(team, owner, media=False)
    page = owner_client.get("/").content.decode()
    form = page[page.index('<form class="card filters"') :]
    form = form[: form.index("</form>")]
    assert 'method="get"' in form and 'action="/"' in form
    for name in ("q", "who", "kind", "picks"):
        assert f'name="{name}"' in form
        assert f'for="id_{name}"' in form


# Pages


def test_pages_have_real_links_that_keep_the_filters(owner_client, team, owner):
    for age in range(45):
        make_song(team, owner, age_minutes=age, media=False)
    first = owner_client.get("/", {"q": "sea"})
    assert len(listed(first)) == 20
    page = html.unescape(first.content.decode())
    older = re.search(r'href="\?q=sea&older=(\d+_\d+)" rel="next"', page).group(1)
    assert 'rel="prev"' not in page and "45 songs found" in page
    second = owner_client.get("/", {"q": "sea", "older": older})
    assert len(listed(second)) == 20
    assert set(listed(first)).isdisjoint(listed(second))
    # A song made meanwhile does not shift the next page.
    make_song(team, owner, age_minutes=-1, media=False)
    assert listed(owner_client.get("/", {"q": "sea", "older": older})) == listed(second)
    second_page = html.unescape(second.content.decode())
    later = re.search(r'href="\?q=sea&older=(\d+_\d+)" rel="next"', second_page).group(1)
    third = owner_client.get("/", {"q": "sea", "older": later})
    assert len(listed(third)) == 5 and 'rel="next"' not in third.content.decode()
    # Newer goes back up the same way.
    newer = re.search(r'href="\?q=sea&newer=(\d+_\d+)" rel="prev"', second_page).group(1)
    assert listed(owner_client.get("/", {"q": "sea", "newer": newer})) == listed(first)
    # A cursor that is not ours shows the first page rather than an error.
    for nonsense in ("x", "1_2_3", "99999999999999999_1", ""):
        assert (
            listed(owner_client.get("/", {"older": nonsense}))[:1]
            == listed(owner_client.get("/"))[:1]
        )


def test_the_number_of_queries_does_not_grow_with_the_library(
    owner_client, team, owner, django_assert_num_queries
):
    cover = make_cover(team, owner)
    for age in range(3):
        make_song(team, owner, age_minutes=age, media=False, cover=cover if age else None)
    with CaptureQueriesContext(connection) as small:
        assert len(listed(owner_client.get("/"))) == 3
    for age in range(3, 25):
        make_song(team, owner, age_minutes=age, media=False, cover=cover if age % 2 else None)
    with django_assert_num_queries(len(small.captured_queries)):
        first = owner_client.get("/")
    assert len(listed(first)) == 20
    older = re.search(r"older=(\d+_\d+)", first.content.decode()).group(1)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(listed(owner_client.get(f"/?older={older}"))) == 5


def test_htmx_gets_only_the_results(owner_client, team, owner):
    make_song(team, owner, media=False)
    response = owner_client.get(
        "/?q=sea", headers={"HX-Request": "true", "HX-Target": "library-results"}
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="library-results"')
    assert "<html" not in page
    assert "HX-Request" in response["Vary"]


# What a song looks like


def test_each_song_is_one_compact_row_linking_to_its_page(owner_client, team, owner):
    generation = make_song(team, owner)
    clip_a, clip_b = generation.clips.order_by("slot")
    page = owner_client.get("/").content.decode()
    row = page[page.index(f'id="generation-{generation.pk}"') :]
    row = row[: row.index("</article>")]
    assert f'src="/clips/{clip_a.pk}/image"' in row  # no cover art: clip A's artwork
    assert f'href="/songs/{generation.pk}/"' in row and "olivia" in row
    assert f'href="/compose/?from={generation.pk}"' in row and ">Use these settings again<" in row
    assert f'href="/generations/{generation.pk}/zip"' in row
    assert "Play A</button>" in row and "Play B</button>" in row and "2:05" in row  # 125.4 s
    assert "<audio" not in row and "Download WAV" not in row  # those live on the song page


def test_the_song_page_has_both_takes_with_players_and_downloads(owner_client, team, owner):
    generation = make_song(team, owner)
    page = owner_client.get(f"/songs/{generation.pk}/").content.decode()
    assert "dreamy synth pop about the sea" in page and "olivia" in page
    for clip in generation.clips.all():
        assert f'href="/clips/{clip.pk}/export/wav?download"' in page
        assert f'href="/clips/{clip.pk}/lrc"' in page
        assert f"Take {clip.slot} — " in page and f'value="{clip.title}"' in page
    assert page.count(">Download WAV</a>") == 2
    assert page.count(">Download lyrics (.lrc)</a>") == 2
    assert page.count(">Download m4a</a>") == 2
    assert ">Play next</button>" in page and ">Add to queue</button>" in page
    assert "2:05" in page  # 125.4 s, floored like the waveform's clock
    peaks = [int(v) for v in re.search(r'data-peaks="([\d,]+)"', page).group(1).split(",")]
    assert len(peaks) == 200 and peaks[0] == 0 and peaks[-1] == 100 and peaks == sorted(peaks)


def test_the_waveform_keeps_the_loudest_peak_of_each_slice():
    peaks = [0.0] * 800
    peaks[401] = 0.9
    values = [int(v) for v in peaks_attribute(peaks).split(",")]
    assert len(values) == 200 and values[100] == 90 and sum(values) == 90
    assert peaks_attribute([0.5, 1.2, -1]) == "50,100,0"
    assert peaks_attribute(None) == ""


def test_lyrics_lines_carry_their_timing_and_tags_are_headings(owner_client, team, owner):
    generation = make_song(team, owner, media=False, titles=("Morning Sun",))
    page = owner_client.get(f"/songs/{generation.pk}/").content.decode()
    assert '<h3 class="lyric-tag">Verse</h3>' in page
    assert '<h3 class="lyric-tag">Chorus</h3>' in page
    # Each timed line is a button that seeks there.
    timed = re.findall(r'data-start="([\d.]+)" data-end="([\d.]+)">([^<]+)</button>', page)
    assert timed == [
        ("1.50", "3.25", "Morning sun on the water"),
        ("3.50", "5.00", "We run like a river"),
        ("65.50", "67.00", "Hold on, hold on"),
    ]


def test_instrumental_songs_offer_no_lyrics_download(owner_client, team, owner):
    generation = make_song(team, owner, instrumental=True, media=False)
    page = owner_client.get(f"/songs/{generation.pk}/").content.decode()
    assert "Instrumental: no lyrics." in page
    assert "Download lyrics (.lrc)" not in page and "data-start" not in page
    assert owner_client.get(f"/clips/{generation.clips.first().pk}/lrc").status_code == 404


def test_the_cover_art_is_served_to_the_team(owner_client, team, owner):
    cover = make_cover(team, owner)
    make_song(team, owner, cover=cover, media=False)
    assert f'src="/covers/{cover.pk}"' in owner_client.get("/").content.decode()
    response = owner_client.get(f"/covers/{cover.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == jpeg_bytes("navy")


def test_the_page_has_no_inline_script_style_or_handlers(owner_client, team, owner):
    make_song(team, owner)
    page = owner_client.get("/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert not re.search(r"\sstyle=", page)
    assert not re.search(r"\son[a-z]+=", page)
    assert 'src="/static/js/player.js" defer' in page
    assert "/static/css/library.css" in page


# Title


def test_renaming_a_take_with_htmx_returns_the_title_form(owner_client, team, owner):
    clip = make_song(team, owner, media=False).clips.get(slot="A")
    response = owner_client.post(
        f"/clips/{clip.pk}/title", {"title": "  Evening   Moon "}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<form class="title-form"')
    assert 'value="Evening Moon"' in page and "Saved" in page
    clip.refresh_from_db()
    assert clip.title == "Evening Moon"
    # The new title is searchable at once.
    assert listed(owner_client.get("/?q=evening moon")) == [clip.generation_id]


def test_renaming_without_javascript_redirects_back_to_the_clip(owner_client, team, owner):
    clip = make_song(team, owner, media=False).clips.get(slot="B")
    response = owner_client.post(f"/clips/{clip.pk}/title", {"title": "Blue", "next": "/?page=2"})
    assert response.status_code == 302
    assert response["Location"] == f"/?page=2#clip-{clip.pk}"
    evil = owner_client.post(
        f"/clips/{clip.pk}/title", {"title": "Blue", "next": "https://evil.example/"}
    )
    assert evil["Location"] == f"/#clip-{clip.pk}"


def test_a_title_too_long_or_empty_is_refused(owner_client, team, owner):
    clip = make_song(team, owner, media=False).clips.get(slot="A")
    htmx = owner_client.post(
        f"/clips/{clip.pk}/title", {"title": "x" * 201}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 200
    assert "at most 200 characters" in htmx.content.decode()
    assert 'aria-invalid="true"' in htmx.content.decode()
    plain = owner_client.post(f"/clips/{clip.pk}/title", {"title": "   "})
    assert plain.status_code == 400 and "This field is required." in plain.content.decode()
    clip.refresh_from_db()
    assert clip.title == "Morning Sun"
    assert owner_client.post(f"/clips/{clip.pk}/title", {"title": "x" * 200}).status_code == 302


def test_changes_need_a_post(owner_client, team, owner):
    clip = make_song(team, owner, media=False).clips.get(slot="A")
    assert owner_client.get(f"/clips/{clip.pk}/title").status_code == 405
    assert owner_client.get(f"/clips/{clip.pk}/pick").status_code == 405


# Pick


def test_picking_a_take_unpicks_its_sibling_and_toggles(owner_client, team, owner):
    generation = make_song(team, owner, media=False)
    clip_a, clip_b = generation.clips.order_by("slot")

    def picks():
        return list(generation.clips.order_by("slot").values_list("is_pick", flat=True))

    response = owner_client.post(f"/clips/{clip_a.pk}/pick", headers={"HX-Request": "true"})
    assert picks() == [True, False]
    page = response.content.decode()
    assert f'id="pick-{clip_a.pk}"' in page and 'aria-pressed="true">Picked<' in page

    response = owner_client.post(f"/clips/{clip_b.pk}/pick", headers={"HX-Request": "true"})
    assert picks() == [False, True]
    page = response.content.decode()
    # The sibling's button is updated out of band.
    sibling = page[page.index(f'id="pick-{clip_a.pk}"') :]
    assert 'hx-swap-oob="true"' in sibling and 'aria-pressed="false">Pick<' in sibling

    response = owner_client.post(f"/clips/{clip_b.pk}/pick", {"next": "/?picks=1"})
    assert response.status_code == 302 and response["Location"] == f"/?picks=1#clip-{clip_b.pk}"
    assert picks() == [False, False]


# Isolation


def test_an_outsider_gets_404_for_every_library_url(client, team, owner, outsider):
    cover = make_cover(team, owner)
    generation = make_song(team, owner, cover=cover)
    clip = generation.clips.get(slot="A")
    client.force_login(outsider)
    gets = [
        f"/clips/{clip.pk}/wav",
        f"/clips/{clip.pk}/wav?download",
        f"/clips/{clip.pk}/m4a",
        f"/clips/{clip.pk}/image",
        f"/clips/{clip.pk}/lrc",
        f"/covers/{cover.pk}",
        f"/generations/{generation.pk}/zip",
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in (f"/clips/{clip.pk}/title", f"/clips/{clip.pk}/pick"):
        assert client.post(url, {"title": "Stolen"}).status_code == 404, url
    assert listed(client.get("/")) == []
    clip.refresh_from_db()
    assert clip.title == "Morning Sun" and not clip.is_pick


def test_a_vocal_take_without_lyrics_does_not_claim_to_be_instrumental(owner_client, team, owner):
    generation = make_song(team, owner, media=False)
    generation.clips.update(lyrics="", lyrics_timing=None)
    page = owner_client.get(f"/songs/{generation.pk}/").content.decode()
    assert "Instrumental" not in page and "No lyrics came back for this take." in page


def test_a_count_that_reached_the_cap_is_kept_a_while(owner_client, team, owner, monkeypatch):
    """Counting up to the cap is the dearest count; "N+" stays true as songs are added."""
    from django.core.cache import cache as shared_cache

    from studio.library import pages, queries

    monkeypatch.setattr(pages, "COUNT_CAP", 3)
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    make_song(team, owner, prompt="a lone harbour", media=False)
    songs = [make_song(team, owner, age_minutes=age, media=False) for age in range(1, 4)]
    assert "3+ songs" in owner_client.get("/").content.decode()
    assert "1 song found" in owner_client.get("/", {"q": "harbour"}).content.decode()
    for song in songs[1:]:
        song.delete()
    assert "3+ songs" in owner_client.get("/").content.decode()  # kept
    make_song(team, owner, prompt="harbour lights", media=False)
    assert "2 songs found" in owner_client.get("/", {"q": "harbour"}).content.decode()
    shared_cache.clear()  # as after CAPPED_SECONDS
    assert "3 songs" in owner_client.get("/").content.decode()
