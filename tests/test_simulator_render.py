"""The simulator's media must be real: files that players and parsers accept, and that agree
with what the job record says about them (length, tempo, lyrics timing)."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from mutagen.mp4 import MP4
from PIL import Image

from studio.simulator.render import (
    RenderedSong,
    render_image,
    render_song,
    seed_from,
    title_for,
    write_m4a,
    write_wav,
)

VOCAL_PROMPT = "upbeat pop with female vocals"
GIVEN_LYRICS = """[Verse]
Walking down the empty street
Counting footsteps, counting heat

[Chorus]
Hold on, hold on
We are the light
"""


def assert_timing_fits(song: RenderedSong, lines: int) -> None:
    timing = song.lyrics_timing
    assert timing is not None and len(timing) == lines
    previous_end = 0.0
    for start, end in timing:
        assert previous_end <= start < end <= song.duration_s
        assert round(start, 2) == start and round(end, 2) == end
        previous_end = end


def test_wav_is_a_real_riff_file_matching_the_reported_duration(tmp_path):
    song = render_song(VOCAL_PROMPT, lyrics=None, instrumental=False, seed=7)
    path = tmp_path / "song.wav"
    write_wav(song, path)

    assert path.read_bytes()[:4] == b"RIFF"
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (44100, 1, 2)
        frames = wav.getnframes()
        pcm = np.frombuffer(wav.readframes(frames), dtype="<i2")
    assert abs(frames / 44100 - song.duration_s) < 0.1
    assert np.abs(pcm).max() > 10_000  # loud enough to hear
    assert np.sqrt(np.mean(pcm.astype(float) ** 2)) > 1_000  # and not a single click
    assert np.abs(pcm).max() < 32767  # normalized, not clipped


def test_duration_is_consistent_with_the_samples():
    song = render_song("lofi beats", lyrics=None, instrumental=True, seed=3)
    assert song.sample_rate == 44100
    assert song.samples.dtype == np.float32 and song.samples.ndim == 1
    assert song.duration_s == round(len(song.samples) / song.sample_rate, 2)


def test_m4a_is_aac_in_mp4_with_the_reported_duration(tmp_path):
    song = render_song("chill house", lyrics=None, instrumental=True, seed=11)
    path = tmp_path / "song.m4a"
    write_m4a(song, path)

    info = MP4(path).info
    assert info.codec.startswith("mp4a")
    assert info.channels == 1 and info.sample_rate == 44100
    assert abs(info.length - song.duration_s) < 0.15


def test_it_uses_the_tempo_from_the_prompt():
    assert render_song("slow soul ballad, 80 bpm", lyrics=None, instrumental=True, seed=1).bpm == 80
    assert render_song("gabber 400 BPM", lyrics=None, instrumental=True, seed=1).bpm == 220
    assert render_song("drone at 12bpm", lyrics=None, instrumental=True, seed=1).bpm == 40


def test_tempo_and_length_come_from_the_seed_when_not_asked_for():
    songs = [render_song("synthwave", lyrics=None, instrumental=True, seed=s) for s in range(40)]
    assert all(10 <= song.duration_s <= 30 for song in songs)
    assert all(40 <= song.bpm <= 220 for song in songs)
    assert len({song.duration_s for song in songs}) > 10
    assert len({song.bpm for song in songs}) > 5


def test_vocal_songs_also_stay_within_ten_to_thirty_seconds():
    for seed in range(15):
        for prompt in (VOCAL_PROMPT, "dreamy ballad 40 bpm with a choir", "rap at 200 bpm"):
            song = render_song(prompt, lyrics=None, instrumental=False, seed=seed)
            assert 10 <= song.duration_s <= 30


def test_given_lyrics_are_used_as_is_and_timed_line_by_line():
    song = render_song("indie rock", lyrics=GIVEN_LYRICS, instrumental=True, seed=5)
    assert song.lyrics == GIVEN_LYRICS  # lyrics force a vocal render, even if instrumental
    assert_timing_fits(song, lines=4)


def test_generated_vocal_lyrics_have_verse_and_chorus_and_timing():
    song = render_song(VOCAL_PROMPT, lyrics=None, instrumental=False, seed=2)
    assert "[Verse]" in song.lyrics and "[Chorus]" in song.lyrics
    sung = [line for line in song.lyrics.splitlines() if line and not line.startswith("[")]
    assert len(sung) >= 4
    assert_timing_fits(song, lines=len(sung))


@pytest.mark.parametrize("bpm", [40, 90, 220])
def test_long_lyrics_make_a_longer_song_and_every_line_gets_a_slot(bpm):
    lyrics = "[Verse]\n" + "\n".join(f"Line number {i} of a very long song" for i in range(40))
    song = render_song(f"epic ballad {bpm} bpm", lyrics=lyrics, instrumental=False, seed=9)
    assert song.duration_s == 30
    assert_timing_fits(song, lines=40)


@pytest.mark.parametrize(
    ("prompt", "instrumental"),
    [(VOCAL_PROMPT, True), ("ambient piano", False), ("techno, no vocals", False)],
)
def test_instrumentals_have_no_lyrics_timing(prompt, instrumental):
    song = render_song(prompt, lyrics=None, instrumental=instrumental, seed=4)
    assert song.lyrics == "[Instrumental]"
    assert song.lyrics_timing is None


@pytest.mark.parametrize("prompt", ["Rap over boom bap", "gospel CHOIR", "a duet", "sung softly"])
def test_vocal_cues_generate_lyrics(prompt):
    song = render_song(prompt, lyrics=None, instrumental=False, seed=4)
    assert "[Verse]" in song.lyrics and song.lyrics_timing


def test_same_inputs_give_identical_wav_bytes():
    def wav_bytes(seed: int) -> bytes:
        buf = io.BytesIO()
        write_wav(render_song(VOCAL_PROMPT, lyrics=None, instrumental=False, seed=seed), buf)
        return buf.getvalue()

    assert wav_bytes(21) == wav_bytes(21)
    assert wav_bytes(21) != wav_bytes(22)


def test_titles_are_short_and_title_case():
    for seed in range(30):
        title = title_for("a song about the ocean at night", seed)
        assert 2 <= len(title.split()) <= 4
        assert title == title.title()
    assert title_for("x", 1) == title_for("x", 1)


def test_seed_from_is_stable_32_bit():
    assert seed_from("hello") == seed_from("hello") == 0x2CF24DBA
    assert 0 <= seed_from("anything at all") < 2**32


@pytest.mark.parametrize(("fmt", "size"), [("JPEG", (1024, 1024)), ("PNG", (512, 896))])
def test_render_image_gives_a_decodable_image_of_the_requested_size(tmp_path, fmt, size):
    path = tmp_path / f"cover.{fmt.lower()}"
    path.write_bytes(render_image("neon city at night", *size, fmt=fmt))
    with Image.open(path) as image:
        assert image.format == fmt
        assert image.size == size
        assert np.asarray(image.convert("L")).std() > 5  # not a flat fill


def test_different_prompts_give_different_images():
    first = render_image("neon city at night", 256, 256, "PNG")
    assert first == render_image("neon city at night", 256, 256, "PNG")
    pixels = [
        np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=float)
        for data in (first, render_image("sunny beach morning", 256, 256, "PNG"))
    ]
    assert np.abs(pixels[0] - pixels[1]).mean() > 10
