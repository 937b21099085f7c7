"""Loudness at ingest: integrated LUFS (BS.1770) and true peak of real WAVs, and the backfill."""

from __future__ import annotations

import io
import math
import uuid
import wave
from pathlib import Path

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from studio.songs.models import Clip, Generation
from studio.songs.pipeline import loudness
from studio.songs.pipeline.loudness import UNMEASURED, gain_db, measure
from tests.pipeline import Status, drive, settled, song

RATE = 44100


def tone(amplitude: float, seconds: float = 5.0, hz: float = 1000.0, phase: float = 0.0):
    t = np.arange(int(seconds * RATE)) / RATE
    return amplitude * np.sin(2 * np.pi * hz * t + phase)


def wav_bytes(samples: np.ndarray, channels: int = 1, rate: int = RATE) -> bytes:
    """16-bit PCM; `samples` of shape (frames,) or (frames, channels)."""
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())
    return out.getvalue()


def measured(samples: np.ndarray, channels: int = 1) -> loudness.Loudness:
    return measure(io.BytesIO(wav_bytes(samples, channels)))


def test_a_1khz_sine_reads_as_bs1770_says():
    # BS.1770: a 0 dBFS 1 kHz sine in one channel reads -3.01 LKFS; the K-filter is ~flat there.
    for amplitude in (0.1, 0.25, 0.5):
        result = measured(tone(amplitude))
        assert result.lufs == pytest.approx(-3.01 + 20 * math.log10(amplitude), abs=0.5)
        # A plain sine's peaks are (nearly) on its samples.
        assert result.true_peak_db == pytest.approx(20 * math.log10(amplitude), abs=0.1)


def test_6_db_louder_reads_6_db_louder_and_gets_6_db_less_gain():
    quiet = measured(tone(0.1))
    loud = measured(tone(0.1 * 10 ** (6 / 20)))
    assert loud.lufs - quiet.lufs == pytest.approx(6.0, abs=0.1)
    assert gain_db(quiet.lufs) - gain_db(loud.lufs) == pytest.approx(6.0, abs=0.1)
    assert gain_db(quiet.lufs) == pytest.approx(-14.0 - quiet.lufs)
    assert gain_db(None) == 0.0


def test_stereo_sums_its_channels():
    mono = measured(tone(0.2))
    both = tone(0.2)
    stereo = measured(np.column_stack([both, both]), channels=2)
    assert stereo.lufs - mono.lufs == pytest.approx(3.01, abs=0.1)
    assert stereo.true_peak_db == pytest.approx(mono.true_peak_db, abs=0.01)


def test_the_true_peak_of_a_full_scale_signal_is_above_its_sample_peak():
    # A quarter-rate sine sampled 45 degrees off its crests: every sample at full scale, the
    # waveform between them 3 dB higher.
    signal = tone(1.0, seconds=2.0, hz=RATE / 4, phase=math.pi / 4)
    signal /= np.abs(signal).max()
    sample_peak = 20 * math.log10(np.abs(np.round(signal * 32767)).max() / 32768)
    result = measured(signal)
    assert sample_peak == pytest.approx(0.0, abs=0.01)
    assert result.true_peak_db > sample_peak + 2.5
    assert result.true_peak_db == pytest.approx(3.01, abs=0.2)


def test_the_true_peak_does_not_depend_on_the_chunks(monkeypatch):
    rng = np.random.default_rng(1)
    noise = (rng.standard_normal(RATE) * 0.2).astype(np.float32)[:, None]
    whole = loudness.true_peak(noise)
    monkeypatch.setattr(loudness, "CHUNK_FRAMES", 1000)  # peaks across many chunk edges
    assert loudness.true_peak(noise) == whole
    assert whole >= 20 * math.log10(np.abs(noise).max())


def test_silence_short_clips_and_other_formats_are_not_measured():
    assert measured(np.zeros(RATE)) == UNMEASURED
    short = measured(tone(0.5, seconds=0.2))
    assert short.lufs is None and short.true_peak_db is not None  # under one gating block
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:  # 8-bit PCM
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(RATE)
        wav.writeframes(bytes(RATE))
    assert measure(io.BytesIO(out.getvalue())) == UNMEASURED
    assert measure(io.BytesIO(b"RIFF....WAVEnot really")) == UNMEASURED


# The backfill ---------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def clip_with_wav(generation: Generation, slot: str, data: bytes | None) -> Clip:
    clip = Clip.objects.create(generation=generation, slot=slot, clip_id=uuid.uuid4().hex)
    if data is not None:
        clip.wav.save(f"{generation.pk}-{slot}.wav", ContentFile(data))
    return clip


def analyse(*args) -> str:
    out = io.StringIO()
    call_command("analyse_loudness", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_backfill_measures_clips_without_loudness_once(team, owner, media):
    generations = [
        Generation.objects.create(team=team, author=owner, prompt=f"song {i}", jobid=f"j{i}")
        for i in range(3)
    ]
    quiet = clip_with_wav(generations[0], "A", wav_bytes(tone(0.1)))
    loud = clip_with_wav(generations[0], "B", wav_bytes(tone(0.4)))
    silent = clip_with_wav(generations[1], "A", wav_bytes(np.zeros(RATE)))
    lost = clip_with_wav(generations[1], "B", wav_bytes(tone(0.1)))
    lost.wav.storage.delete(lost.wav.name)
    no_wav = clip_with_wav(generations[2], "A", None)
    known = clip_with_wav(generations[2], "B", wav_bytes(tone(0.1)))
    Clip.objects.filter(pk=known.pk).update(loudness_lufs=-9.0, true_peak_db=-1.0)

    report = analyse("--batch-size", "2")
    assert "Measured 2 clips (2 saved)" in report
    assert "1 could not be measured" in report and "1 WAV files missing" in report
    values = {c.pk: (c.loudness_lufs, c.true_peak_db) for c in Clip.objects.all()}
    assert values[quiet.pk][0] == pytest.approx(-23.0, abs=0.5)
    assert values[loud.pk][0] - values[quiet.pk][0] == pytest.approx(12.04, abs=0.1)
    assert values[loud.pk][1] == pytest.approx(20 * math.log10(0.4), abs=0.1)
    assert values[silent.pk] == values[lost.pk] == values[no_wav.pk] == (None, None)
    assert values[known.pk] == (-9.0, -1.0)  # already measured: not read again

    again = analyse()
    assert "Measured 0 clips (0 saved)" in again  # only the unmeasurable ones are left
    assert {c.pk: (c.loudness_lufs, c.true_peak_db) for c in Clip.objects.all()} == values

    assert "Measured 3 clips (1 saved)" in analyse("--all")  # `known` corrected, others equal
    assert Clip.objects.get(pk=known.pk).loudness_lufs == values[quiet.pk][0]


@pytest.mark.django_db
def test_the_backfill_with_nothing_to_do_says_so(media):
    assert "Nothing to measure" in analyse()


# At ingest ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("pipeline")
def test_ingest_stores_each_clips_loudness(team, owner):
    generation = song(team, owner)
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED, generation.error_message
    for clip in generation.clips.all():
        with clip.wav.open("rb") as handle:
            expected = measure(handle)
        assert clip.loudness_lufs is not None and -40 < clip.loudness_lufs < 0
        assert clip.true_peak_db is not None and clip.true_peak_db <= 3.5
        assert (clip.loudness_lufs, clip.true_peak_db) == (expected.lufs, expected.true_peak_db)
