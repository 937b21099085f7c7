"""A stored WAV's integrated loudness (ITU-R BS.1770, via pyloudnorm) and true peak (dBTP).

Measured by the ingest worker right after the song completes (media_files.analyse_takes), or by
`manage.py analyse_loudness` for clips stored before; never in a web request. The player
plays every take at the same loudness with gain_db.

The loudness meter needs the whole signal, so the WAV is read at once as float32 (four minutes
of 44.1 kHz mono is 42 MB, held twice at most); much longer files are not measured. The
filtering and the true peak go a chunk at a time, so no float64 or 4x oversampled copy of the
whole signal is ever made.
"""

from __future__ import annotations

import logging
import math
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

log = logging.getLogger(__name__)

TARGET_LUFS = -14.0  # what the player's loudness matching brings every take to
OVERSAMPLING = 4  # BS.1770-4 Annex 2: 4x at 48 kHz and below
# Interpolation filter: flat within 0.01 dB to 0.4 x the sample rate, 0.2 dB at 0.45.
TAPS = 32  # taps per phase
KAISER_BETA = 6.0
CHUNK_FRAMES = 1 << 16
# Longer WAVs are not measured: 8 minutes of 48 kHz stereo, held twice as float32, is 370 MB.
MAX_SAMPLES = 8 * 60 * 48_000 * 2
GATE_BLOCK_S = 0.4  # BS.1770's gating block: shorter audio has no integrated loudness
READ_FRAMES = 1 << 16


@dataclass(frozen=True)
class Loudness:
    lufs: float | None  # None: silence, or shorter than one gating block
    true_peak_db: float | None  # None: digital silence


UNMEASURED = Loudness(None, None)


def gain_db(lufs: float | None) -> float:
    """The gain that brings a take to TARGET_LUFS (0 when its loudness is unknown)."""
    return 0.0 if lufs is None else round(TARGET_LUFS - lufs, 2)


def read_wav(source: str | Path | IO[bytes]) -> tuple[np.ndarray, int] | None:
    """A 16-bit PCM WAV as float32 samples in [-1, 1), shape (frames, channels), and its rate;
    None for other sample formats, or a WAV too long to measure (MAX_SAMPLES)."""
    with wave.open(str(source) if isinstance(source, Path) else source, "rb") as wav:
        frames, channels, rate = wav.getnframes(), wav.getnchannels(), wav.getframerate()
        if wav.getsampwidth() != 2 or frames * channels > MAX_SAMPLES:
            log.info(
                "loudness not measured: %s bytes a sample, %s frames", wav.getsampwidth(), frames
            )
            return None
        samples = np.empty((frames, channels), dtype=np.float32)
        position = 0
        while position < frames and (data := wav.readframes(READ_FRAMES)):
            chunk = np.frombuffer(data, dtype="<i2").reshape(-1, channels)
            samples[position : position + len(chunk)] = chunk
            position += len(chunk)
    samples = samples[:position]  # a header may promise more frames than there are
    samples *= np.float32(1 / 32768)
    return samples, rate


def k_weight(samples: np.ndarray, rate: int) -> None:
    """Apply BS.1770's K-weighting (pyloudnorm's filters) in place, a chunk at a time."""
    import pyloudnorm  # scipy underneath: loaded by the worker only
    from scipy.signal import lfilter

    stages = [
        pyloudnorm.IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, rate, "high_shelf"),
        pyloudnorm.IIRfilter(0.0, 0.5, 38.0, rate, "high_pass"),
    ]
    for channel in samples.T:
        for stage in stages:
            state = np.zeros(max(len(stage.a), len(stage.b)) - 1)
            for start in range(0, len(channel), CHUNK_FRAMES):
                chunk = channel[start : start + CHUNK_FRAMES]
                out, state = lfilter(stage.b, stage.a, chunk, zi=state)
                chunk[:] = out * stage.passband_gain


def integrated_lufs(samples: np.ndarray, rate: int) -> float | None:
    """Integrated, gated loudness in LUFS; None for silence or under one gating block.

    pyloudnorm's meter, given the signal K-weighted here, in place (`samples` is changed):
    its own filtering of the whole signal at once would hold several float64 copies of it.
    """
    import pyloudnorm

    if len(samples) <= GATE_BLOCK_S * rate or samples.shape[1] > 5:
        return None
    k_weight(samples, rate)
    value = float(pyloudnorm.Meter(rate, filter_class="custom").integrated_loudness(samples))
    return round(value, 2) if math.isfinite(value) else None


def _interpolator() -> np.ndarray:
    """(TAPS, OVERSAMPLING) weights: column p gives the signal p/OVERSAMPLING of a sample
    after each sample, from the TAPS samples around it (a Kaiser-windowed sinc).

    Column 0 is the sample itself, so the true peak is never below the sample peak.
    """
    offsets = np.arange(TAPS) - (TAPS // 2 - 1)  # sample j relative to the current one
    t = np.arange(OVERSAMPLING)[None, :] / OVERSAMPLING - offsets[:, None]
    radius = TAPS / 2
    window = np.i0(KAISER_BETA * np.sqrt(np.clip(1 - (t / radius) ** 2, 0, 1)))
    return (np.sinc(t) * window / np.i0(KAISER_BETA)).astype(np.float32)


def true_peak(samples: np.ndarray) -> float | None:
    """The highest absolute value of the 4x oversampled signal, in dBTP; None for silence."""
    weights = _interpolator()
    before, after = TAPS // 2 - 1, TAPS // 2  # samples needed around each one
    frames = len(samples)
    peak = 0.0
    for channel in samples.T:
        for start in range(0, frames, CHUNK_FRAMES):
            stop = min(start + CHUNK_FRAMES, frames)
            lo, hi = max(start - before, 0), min(stop + after, frames)
            segment = np.zeros(stop - start + before + after, dtype=np.float32)
            segment[lo - (start - before) : hi - (start - before)] = channel[lo:hi]
            windows = np.lib.stride_tricks.sliding_window_view(segment, TAPS)
            peak = max(peak, float(np.abs(windows @ weights).max()))
    return round(20 * math.log10(peak), 2) if peak > 0 else None


def measure(source: str | Path | IO[bytes]) -> Loudness:
    """Loudness and true peak of a WAV; UNMEASURED when it cannot be read or measured."""
    try:
        audio = read_wav(source)
        if audio is None:
            return UNMEASURED
        samples, rate = audio
        if len(samples) == 0:
            return UNMEASURED
        peak = true_peak(samples)  # first: the loudness meter filters the samples in place
        return Loudness(integrated_lufs(samples, rate), peak)
    except (wave.Error, EOFError, ValueError, OSError) as exc:
        log.warning("loudness not measured: %s", exc)
    except Exception:  # a measurement never fails the song that it would only describe
        log.exception("loudness not measured")
    return UNMEASURED
