"""Exports of a take: MP3 and FLAC encoded from the WAV, tagged WAV and m4a copies, the zip."""

from __future__ import annotations

import io
import threading
import time
import wave
import zipfile
from pathlib import Path

import av
import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from mutagen.flac import FLAC
from mutagen.id3 import ID3
from mutagen.mp4 import MP4
from mutagen.wave import WAVE
from PIL import Image

from studio.library import exports
from studio.songs.edits.services import made_from
from studio.songs.models import Clip, Generation
from tests.pipeline import drive, settled, song
from tests.test_download_names import EMOJI_70, assert_clean, disposition_name
from tests.test_library import (  # noqa: F401  (_media: autouse fixture)
    _media,
    jpeg_bytes,
    make_cover,
    make_song,
    wav_bytes,
)

LYRICS = "[Verse]\nCity lights are calling\nI can hear the rain\n[Chorus]\nMorning sun"
DURATION_TOLERANCE_S = 0.05


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def saved(response, path: Path) -> Path:
    assert response.status_code == 200, response
    path.write_bytes(body(response))
    return path


def decoded_seconds(path: Path) -> float:
    """What a player plays: decoded samples, less the encoder's padding the container notes."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        duration = float(stream.duration * stream.time_base) if stream.duration else None
        return duration if path.suffix == ".m4a" and duration else samples / stream.rate


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


def assert_image(data: bytes) -> None:
    assert data
    with Image.open(io.BytesIO(data)) as image:
        image.verify()


@pytest.fixture
def simulated(pipeline, team, owner) -> Generation:
    generation = song(team, owner, lyrics=LYRICS, model=Generation.Model.LYRIA_3_PRO)
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Generation.Status.COMPLETED, generation.error_message
    return generation


@pytest.fixture
def clip(team, owner) -> Clip:
    return make_song(team, owner).clips.get(slot="A")


def export_url(clip: Clip, fmt: str) -> str:
    return f"/clips/{clip.pk}/export/{fmt}?download"


# A simulated song, the whole way


def test_mp3_flac_and_m4a_decode_as_long_as_the_wav(simulated, client, owner, tmp_path):
    client.force_login(owner)
    clip = simulated.clips.get(slot="A")
    master = wav_seconds(Path(clip.wav.path))
    for fmt, content_type in (("mp3", "audio/mpeg"), ("flac", "audio/flac"), ("m4a", "audio/mp4")):
        response = client.get(export_url(clip, fmt))
        assert response["Content-Type"] == content_type
        expected = f'attachment; filename="{clip.title} (A).{fmt}"'
        assert response["Content-Disposition"] == expected
        seconds = decoded_seconds(saved(response, tmp_path / f"take.{fmt}"))
        assert abs(seconds - master) <= DURATION_TOLERANCE_S, (fmt, seconds, master)


def test_the_mp3_carries_every_tag_and_synced_lyrics(simulated, client, owner, tmp_path):
    client.force_login(owner)
    clip = simulated.clips.get(slot="A")
    tags = ID3(saved(client.get(export_url(clip, "mp3")), tmp_path / "take.mp3"))
    assert tags["TIT2"].text == [clip.title]
    assert tags["TPE1"].text == ["olivia"] and tags["TALB"].text == ["Band"]
    assert str(tags["TDRC"].text[0]) == timezone.localtime(simulated.created).date().isoformat()
    assert_image(tags.getall("APIC")[0].data)
    assert tags.getall("USLT")[0].text == clip.lyrics.strip()
    sung = [line for line in clip.lyrics.splitlines() if line.strip() and line[0] != "["]
    synced = tags.getall("SYLT")[0]
    assert [text for text, _ in synced.text] == sung
    assert [ms for _, ms in synced.text] == [round(s * 1000) for s, _ in clip.lyrics_timing]
    comment = tags.getall("COMM")[0].text[0]
    assert simulated.prompt in comment and "Lyria 3 Pro" in comment


def test_flac_and_m4a_carry_the_tags_their_formats_have(simulated, client, owner, tmp_path):
    client.force_login(owner)
    clip = simulated.clips.get(slot="B")
    date = timezone.localtime(simulated.created).date().isoformat()
    flac = FLAC(saved(client.get(export_url(clip, "flac")), tmp_path / "take.flac"))
    assert flac["TITLE"] == [clip.title] and flac["ARTIST"] == ["olivia"]
    assert flac["ALBUM"] == ["Band"] and flac["DATE"] == [date]
    assert flac["LYRICS"] == [clip.lyrics.strip()]
    assert simulated.prompt in flac["COMMENT"][0] and "Lyria 3 Pro" in flac["COMMENT"][0]
    assert_image(flac.pictures[0].data)
    m4a = MP4(saved(client.get(export_url(clip, "m4a")), tmp_path / "take.m4a"))
    assert m4a["©nam"] == [clip.title] and m4a["©ART"] == ["olivia"]
    assert m4a["©alb"] == ["Band"] and m4a["©day"] == [date]
    assert m4a["©lyr"] == [clip.lyrics.strip()] and simulated.prompt in m4a["©cmt"][0]
    assert_image(bytes(m4a["covr"][0]))


def test_the_wav_gets_an_id3_chunk_and_keeps_its_audio(simulated, client, owner, tmp_path):
    client.force_login(owner)
    clip = simulated.clips.get(slot="A")
    path = saved(client.get(export_url(clip, "wav")), tmp_path / "take.wav")
    tags = WAVE(path).tags
    assert tags is not None and tags["TIT2"].text == [clip.title]
    assert tags.getall("SYLT") and tags.getall("USLT") and tags.getall("APIC")
    with wave.open(str(path)) as tagged, wave.open(clip.wav.path) as stored:
        assert tagged.getparams() == stored.getparams()
        assert tagged.readframes(tagged.getnframes()) == stored.readframes(stored.getnframes())


# Stored once, re-used, replaced when a tag changes


@pytest.fixture
def encodes(monkeypatch) -> list[str]:
    """The formats encoded, in order (slowed a little, so concurrent requests overlap)."""
    made: list[str] = []
    real = exports.encode

    def counted(source, target, fmt):
        made.append(fmt)
        time.sleep(0.2)
        real(source, target, fmt)

    monkeypatch.setattr(exports, "encode", counted)
    return made


def test_a_second_request_reuses_the_stored_export(owner_client, clip, encodes):
    first = owner_client.get(export_url(clip, "mp3"))
    again = owner_client.get(export_url(clip, "mp3"))
    assert first.status_code == again.status_code == 200
    assert encodes == ["mp3"] and body(first) == body(again)
    assert first["ETag"] == again["ETag"]


def test_concurrent_first_requests_make_one_whole_export(clip, encodes, tmp_path):
    clip = Clip.objects.select_related("generation__team", "generation__author").get(pk=clip.pk)
    names = []

    def export() -> None:
        names.append(exports.clip_export(clip, "flac").name)

    threads = [threading.Thread(target=export) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert encodes == ["flac"] and len(set(names)) == 1
    stored = Path(clip.wav.storage.path(names[0]))
    assert abs(decoded_seconds(stored) - 1.0) <= DURATION_TOLERANCE_S
    assert not [p for p in stored.parent.iterdir() if p.name.startswith(".part-")]


def test_a_renamed_take_gets_a_new_export_and_the_old_one_goes(owner_client, clip, tmp_path):
    first = saved(owner_client.get(export_url(clip, "mp3")), tmp_path / "first.mp3")
    folder = Path(clip.wav.storage.path(f"exports/{clip.pk}"))
    before = {p.name for p in folder.glob("*.mp3")}
    owner_client.post(f"/clips/{clip.pk}/title", {"title": "Evening Tide"})
    second = owner_client.get(export_url(clip, "mp3"))
    assert second["Content-Disposition"] == 'attachment; filename="Evening Tide (A).mp3"'
    assert ID3(saved(second, tmp_path / "second.mp3"))["TIT2"].text == ["Evening Tide"]
    assert ID3(first)["TIT2"].text == ["Morning Sun"]
    after = {p.name for p in folder.glob("*.mp3")}
    assert len(after) == 1 and not after & before


# Serving


def test_a_range_request_on_an_export_answers_206(owner_client, clip):
    whole = body(owner_client.get(export_url(clip, "flac")))
    response = owner_client.get(export_url(clip, "flac"), headers={"Range": "bytes=10-109"})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10-109/{len(whole)}"
    assert body(response) == whole[10:110]


def test_behind_nginx_an_export_is_handed_over_with_x_accel(owner_client, clip, settings):
    settings.MEDIA_X_ACCEL_PREFIX = "/protected-media/"
    response = owner_client.get(export_url(clip, "mp3"))
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"].startswith(f"/protected-media/exports/{clip.pk}/")
    assert response["X-Accel-Redirect"].endswith(".mp3")
    path = Path(clip.wav.storage.path(response["X-Accel-Redirect"][len("/protected-media/") :]))
    assert path.stat().st_mode & 0o044  # the web server reads it as another user


def test_another_teams_clip_and_unknown_formats_are_404(client, clip, outsider, owner):
    client.force_login(outsider)
    for fmt in ("mp3", "flac", "wav", "m4a"):
        assert client.get(export_url(clip, fmt)).status_code == 404
    client.force_login(owner)
    for fmt in ("ogg", "MP3", "image", "..%2Fwav"):
        assert client.get(f"/clips/{clip.pk}/export/{fmt}").status_code == 404


def test_a_take_whose_wav_is_not_audio_is_404_not_an_error(owner_client, clip):
    clip.wav.save("broken.wav", ContentFile(b"RIFF....WAVE not audio"), save=True)
    for fmt in ("mp3", "flac", "wav"):
        assert owner_client.get(export_url(clip, fmt)).status_code == 404, fmt


def test_a_long_title_makes_a_clean_export_name(owner_client, team, owner):
    clip = make_song(team, owner, titles=(EMOJI_70,)).clips.get()
    for fmt in ("mp3", "flac", "wav", "m4a"):
        response = owner_client.get(export_url(clip, fmt))
        assert_clean(disposition_name(response["Content-Disposition"]), f" (A).{fmt}")


# Tags from the song's cover art and its history


def test_the_songs_cover_art_is_preferred_over_the_takes_artwork(owner_client, team, owner):
    generation = make_song(team, owner, cover=make_cover(team, owner))
    clip = generation.clips.get(slot="A")
    tagged = ID3(io.BytesIO(body(owner_client.get(export_url(clip, "mp3")))))
    assert tagged.getall("APIC")[0].data == jpeg_bytes("navy")
    assert tagged.getall("APIC")[0].mime == "image/jpeg"


def test_an_edit_says_what_it_was_made_from(owner_client, team, owner, tmp_path):
    source = make_song(team, owner).clips.get(slot="A")
    edit = make_song(team, owner, titles=("Morning Sun, longer",))
    Generation.objects.filter(pk=edit.pk).update(
        operation=Generation.Operation.EXTEND, source_clip=source, instruction="add a bridge"
    )
    clip = edit.clips.select_related("generation__source_clip").get()
    path = saved(owner_client.get(export_url(clip, "flac")), tmp_path / "edit.flac")
    origin = made_from(clip.generation)
    assert origin.startswith("Extended from “Morning Sun”")
    assert f"{origin}: add a bridge" in FLAC(path)["COMMENT"][0]


# The zip and the song page


def test_the_zips_wavs_carry_tags(owner_client, team, owner, tmp_path):
    generation = make_song(team, owner)
    response = owner_client.get(f"/generations/{generation.pk}/zip")
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    for name, title in (
        ("Morning Sun (A).wav", "Morning Sun"),
        ("Golden Sky (B).wav", "Golden Sky"),
    ):
        path = tmp_path / name
        path.write_bytes(archive.read(name))
        assert WAVE(path).tags["TIT2"].text == [title]
        with wave.open(str(path)) as wav, wave.open(io.BytesIO(wav_bytes())) as bare:
            assert wav.readframes(wav.getnframes()) == bare.readframes(bare.getnframes())
    assert "Morning Sun (A).lrc" in archive.namelist() and "request.json" in archive.namelist()


def test_the_song_page_links_the_exports(owner_client, team, owner):
    generation = make_song(team, owner)
    page = owner_client.get(f"/songs/{generation.pk}/").content.decode()
    for clip in generation.clips.all():
        for fmt, label in (
            ("wav", "Download WAV"),
            ("mp3", "Download MP3"),
            ("flac", "Download FLAC"),
            ("m4a", "Download m4a"),
        ):
            link = f'href="/clips/{clip.pk}/export/{fmt}?download" download>{label}</a>'
            assert link in page, link


# What the stored WAV may hold


def _write_wav(path: Path, width: int, channels: int, rate: int, seconds: float) -> None:
    """A tone as `width`-byte PCM: unsigned for 8 bits, little-endian signed above."""
    tone = np.sin(2 * np.pi * 330 * np.arange(int(rate * seconds)) / rate) * 0.5
    if width == 1:
        samples = (tone * 127 + 128).astype(np.uint8)[:, None]
    else:
        full = (tone * (2 ** (8 * width - 1) - 1)).astype("<i4")
        samples = full.view(np.uint8).reshape(-1, 4)[:, :width]
    frames = np.repeat(samples[:, None, :], channels, axis=1)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(np.ascontiguousarray(frames).tobytes())


@pytest.mark.parametrize(("width", "channels", "rate"), [(1, 1, 22050), (3, 2, 96000)])
def test_8_and_24_bit_wavs_at_any_rate_export(owner_client, clip, tmp_path, width, channels, rate):
    source = tmp_path / "source.wav"
    _write_wav(source, width, channels, rate, 1.5)
    clip.wav.save("odd.wav", ContentFile(source.read_bytes()), save=True)
    for fmt in ("mp3", "flac"):
        path = saved(owner_client.get(export_url(clip, fmt)), tmp_path / f"odd.{fmt}")
        assert abs(decoded_seconds(path) - 1.5) <= DURATION_TOLERANCE_S, fmt


def test_a_float_wav_that_wave_cannot_read_is_decoded_by_pyav(owner_client, clip, tmp_path):
    source = tmp_path / "float.wav"
    with av.open(str(source), "w", format="wav") as out:
        stream = out.add_stream("pcm_f32le", rate=48000, layout="stereo")
        tone = np.sin(2 * np.pi * 330 * np.arange(48000) / 48000).astype(np.float32) * 0.5
        frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = 48000, 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with pytest.raises(wave.Error):
        wave.open(str(source)).close()
    clip.wav.save("float.wav", ContentFile(source.read_bytes()), save=True)
    path = saved(owner_client.get(export_url(clip, "mp3")), tmp_path / "float.mp3")
    assert abs(decoded_seconds(path) - 1.0) <= DURATION_TOLERANCE_S


def test_a_wav_cut_short_exports_the_audio_it_has(owner_client, clip, tmp_path):
    source = tmp_path / "whole.wav"
    _write_wav(source, 2, 2, 44100, 1.0)
    cut = source.read_bytes()[: 44 + 44100 * 2 + 3]  # half a second, and part of a frame
    clip.wav.save("cut.wav", ContentFile(cut), save=True)
    path = saved(owner_client.get(export_url(clip, "flac")), tmp_path / "cut.flac")
    assert abs(decoded_seconds(path) - 0.5) <= DURATION_TOLERANCE_S
