"""Library downloads: WAV/m4a with ranges and caching, LRC from the timing, the streamed zip."""

from __future__ import annotations

import html
import io
import json
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

import pytest

from studio.library.lrc import build_lrc, lyric_lines, timestamp
from studio.library.zipstream import CHUNK, Member, stream_zip
from studio.songs.models import Generation
from tests.pipeline import drive, settled, song
from tests.test_library import (  # noqa: F401  (_media: autouse fixture)
    _media,
    jpeg_bytes,
    m4a_bytes,
    make_cover,
    make_song,
    wav_bytes,
)


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def clip(team, owner):
    return make_song(team, owner).clips.get(slot="A")


# WAV and m4a


def test_download_wav_is_named_after_the_title(owner_client, clip):
    response = owner_client.get(f"/clips/{clip.pk}/wav?download")
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"] == 'attachment; filename="Morning Sun (A).wav"'
    assert body(response) == wav_bytes()


def test_a_teammate_downloads_the_teams_files(teammate_client, clip):
    for url in (f"/clips/{clip.pk}/wav?download", f"/clips/{clip.pk}/lrc"):
        assert teammate_client.get(url).status_code == 200, url
    zipped = teammate_client.get(f"/generations/{clip.generation_id}/zip")
    assert zipped.status_code == 200 and body(zipped)[:4] == b"PK\x03\x04"


def test_the_player_source_is_inline_m4a_with_ranges(owner_client, clip):
    response = owner_client.get(f"/clips/{clip.pk}/m4a")
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mp4" and response["Accept-Ranges"] == "bytes"
    assert response["Content-Disposition"].startswith("inline")
    assert body(response) == m4a_bytes()


def test_a_range_request_gets_206_with_those_bytes(owner_client, clip):
    data = wav_bytes()
    response = owner_client.get(f"/clips/{clip.pk}/wav", headers={"Range": "bytes=100-299"})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-299/{len(data)}"
    assert response["Content-Length"] == "200"
    assert body(response) == data[100:300]
    tail = owner_client.get(f"/clips/{clip.pk}/m4a", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and body(tail) == m4a_bytes()[-10:]


def test_a_range_past_the_end_gets_416(owner_client, clip):
    size = len(wav_bytes())
    response = owner_client.get(f"/clips/{clip.pk}/wav", headers={"Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


def test_a_known_etag_gets_304(owner_client, clip):
    first = owner_client.get(f"/clips/{clip.pk}/wav")
    etag = first["ETag"]
    again = owner_client.get(f"/clips/{clip.pk}/wav", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


# LRC


def test_lrc_has_a_title_and_one_timed_line_per_sung_line(owner_client, clip):
    response = owner_client.get(f"/clips/{clip.pk}/lrc")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Morning Sun (A).lrc"'
    assert response.content.decode().splitlines() == [
        "[ti:Morning Sun]",
        "[00:01.50]Morning sun on the water",
        "[00:03.50]We run like a river",
        "[01:05.50]Hold on, hold on",
    ]


def test_lrc_of_a_renamed_take_follows_the_title(owner_client, clip):
    owner_client.post(f"/clips/{clip.pk}/title", {"title": "Night / Day"})
    response = owner_client.get(f"/clips/{clip.pk}/lrc")
    assert response.content.decode().startswith("[ti:Night / Day]\n")
    # A separator cannot be part of a file name (browsers would make it "_" themselves).
    assert response["Content-Disposition"] == 'attachment; filename="Night _ Day (A).lrc"'


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "00:00.00"),
        (1.5, "00:01.50"),
        (59.999, "01:00.00"),
        (65.504, "01:05.50"),
        (6000.01, "100:00.01"),
    ],
)
def test_lrc_timestamps(seconds, text):
    assert timestamp(seconds) == text


def test_the_ith_sung_line_gets_the_ith_timing():
    lines = lyric_lines("\n[Intro]\nOne\n\n[Chorus]\nTwo\nThree\n\n", [[1, 2], [3, 4]])
    assert [(line.kind, line.text, line.start) for line in lines] == [
        ("tag", "Intro", None),
        ("sung", "One", 1.0),
        ("blank", "", None),
        ("tag", "Chorus", None),
        ("sung", "Two", 3.0),
        ("sung", "Three", None),  # more lines than timings: shown, not timed
    ]
    assert build_lrc("T", "[Verse]\nOne\nTwo", None) == "[ti:T]\n"


# Zip


def test_the_zip_is_streamed_and_holds_wavs_cover_lrcs_and_the_request(owner_client, team, owner):
    cover = make_cover(team, owner)
    generation = make_song(team, owner, cover=cover)
    clip_a, clip_b = generation.clips.order_by("slot")
    response = owner_client.get(f"/generations/{generation.pk}/zip")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="Morning Sun.zip"'
    chunks = list(response.streaming_content)
    assert len(chunks) > 1
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    assert archive.namelist() == [
        "Morning Sun (A).wav",
        "Morning Sun (A).lrc",
        "Golden Sky (B).wav",
        "Golden Sky (B).lrc",
        "cover.jpg",
        "request.json",
    ]
    wav = archive.getinfo("Morning Sun (A).wav")
    assert wav.compress_type == zipfile.ZIP_STORED
    # The tagged export (tests/test_exports.py): the same audio, and an ID3 chunk after it.
    tagged = archive.read("Morning Sun (A).wav")
    assert wav.CRC == zlib.crc32(tagged) and wav.file_size == len(tagged)
    assert tagged[44 : len(wav_bytes())] == wav_bytes()[44:] and b"id3 " in tagged
    assert archive.read("cover.jpg") == jpeg_bytes("navy")
    assert archive.read("Golden Sky (B).lrc").decode().startswith("[ti:Golden Sky]\n[00:01.50]")
    record = json.loads(archive.read("request.json"))
    assert record["generation"] == generation.pk and record["prompt"] == generation.prompt
    assert record["request"]["mode"] == "async"
    assert "replyUrl" not in record["request"]  # it carries the webhook's secret token
    assert [c["slot"] for c in record["clips"]] == ["A", "B"]
    assert record["clips"][1]["files"] == {"wav": "Golden Sky (B).wav", "lrc": "Golden Sky (B).lrc"}
    assert record["clips"][0]["lyrics_timing"] == clip_a.lyrics_timing
    assert record["author"] == "olivia" and record["settings"]["account"] == "alice@example.com"


def test_an_instrumental_zip_uses_the_clip_artwork_and_has_no_lrc(owner_client, team, owner):
    generation = make_song(team, owner, instrumental=True)
    response = owner_client.get(f"/generations/{generation.pk}/zip")
    names = zipfile.ZipFile(io.BytesIO(body(response))).namelist()
    assert names == ["Morning Sun (A).wav", "Golden Sky (B).wav", "cover.jpg", "request.json"]


def test_the_zip_writer_keeps_memory_flat(tmp_path):
    big = tmp_path / "big.wav"
    payload = bytes(range(256)) * (12 * 1024)  # 3 MiB
    big.write_bytes(payload)
    members = [Member("big.wav", path=big), Member("notes.txt", data=b"hi" * 1000, compress=True)]
    sizes = []
    parts = []
    for chunk in stream_zip(members, datetime(2026, 1, 2, 3, 4, 5)):
        sizes.append(len(chunk))
        parts.append(chunk)
    # Never more than one file chunk (plus a header) at a time.
    assert max(sizes) <= CHUNK + 1024 and len(sizes) >= len(payload) // CHUNK
    archive = zipfile.ZipFile(io.BytesIO(b"".join(parts)))
    assert archive.read("big.wav") == payload
    assert archive.getinfo("big.wav").CRC == zlib.crc32(payload)
    assert archive.getinfo("notes.txt").compress_type == zipfile.ZIP_DEFLATED
    assert archive.getinfo("big.wav").date_time == (2026, 1, 2, 3, 4, 4)  # zip keeps 2 s steps


def test_a_generation_without_clips_has_no_zip(owner_client, team, owner):
    generation = make_song(team, owner, titles=())
    assert owner_client.get(f"/generations/{generation.pk}/zip").status_code == 404


# The whole way: a real song from the simulator


@pytest.mark.usefixtures("pipeline")
def test_a_simulated_song_plays_and_downloads_from_the_library(team, owner, client):
    lyrics = "[Verse]\nCity lights are calling\nI can hear the rain\n[Chorus]\nMorning sun"
    generation = song(team, owner, lyrics=lyrics)
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Generation.Status.COMPLETED, generation.error_message
    client.force_login(owner)
    page = client.get(f"/songs/{generation.pk}/").content.decode()
    clip = generation.clips.get(slot="A")
    assert f'"src": "/clips/{clip.pk}/m4a"' in html.unescape(page) and f"{clip.title}" in page

    wav = client.get(f"/clips/{clip.pk}/wav?download")
    assert wav["Content-Disposition"] == f'attachment; filename="{clip.title} (A).wav"'
    assert body(wav) == Path(clip.wav.path).read_bytes()

    sung = [line for line in clip.lyrics.splitlines() if line.strip() and line[0] != "["]
    lrc = client.get(f"/clips/{clip.pk}/lrc").content.decode().splitlines()
    assert lrc[0] == f"[ti:{clip.title}]"
    assert [line[10:] for line in lrc[1:]] == sung
    assert page.count("data-start=") >= len(sung)


def test_behind_nginx_the_file_is_handed_over_with_x_accel_redirect(owner_client, clip, settings):
    settings.MEDIA_X_ACCEL_PREFIX = "/protected-media/"
    response = owner_client.get(f"/clips/{clip.pk}/wav?download")
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == "/protected-media/" + clip.wav.name
    assert response["Content-Type"] == "audio/wav"
    assert "attachment" in response["Content-Disposition"]


def test_x_accel_still_checks_the_team_first(client, outsider, clip, settings):
    settings.MEDIA_X_ACCEL_PREFIX = "/protected-media/"
    client.force_login(outsider)
    response = client.get(f"/clips/{clip.pk}/wav")
    assert response.status_code == 404 and "X-Accel-Redirect" not in response


def test_the_zip_is_named_after_the_pick(owner_client, team, owner):
    generation = make_song(team, owner, media=False)
    clip_b = generation.clips.get(slot="B")
    clip_b.is_pick = True
    clip_b.save()
    response = owner_client.get(f"/generations/{generation.pk}/zip")
    assert response["Content-Disposition"] == f'attachment; filename="{clip_b.title}.zip"'
