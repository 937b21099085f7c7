"""Stem separation by spectrogram masking: drums, bass and vocals of one channel.

A 2048-point STFT (hop 1024) is split by soft masks that never add up to more than 1:

* drums: the percussive part of a median-filter harmonic/percussive split (Fitzgerald 2010:
  a median across 9 bins against one across 9 frames, as a Wiener mask), at every frequency:
  kick, snare and hats, and the attacks of plucked notes;
* bass: the harmonic part below 150 Hz, fading out by 250 Hz;
* vocals: the harmonic part between 180 Hz and 8 kHz that does not repeat, and only while a
  timed line is sung (50 ms before it to 150 ms after). What repeats is found as in REPET
  (Rafii & Pardo 2013): the accompaniment loops every 16 beats of the clip's tempo, so the
  median magnitude of the spectrogram one and two loops earlier and later (capped by the
  frame's own) models it, and the excess over that model is the voice. Without a tempo, or
  where no loop is around (a song shorter than two loops, in parts), the band goes to vocals
  whole. Outside the lines the vocals are silent.

``stems.py`` takes "other" as the source minus these three, so the four add up exactly.
A 30 s channel takes 1-2 s, half of it the two median filters.
"""

from __future__ import annotations

import numpy as np

from studio.simulator import dsp
from studio.simulator.audio import SAMPLE_RATE

N_FFT = 2048
HOP = 1024
KERNEL = 9  # median filter length, in frames and in bins
BASS_EDGE = (150.0, 250.0)  # Hz: all of it below, none above
VOICE_BAND = (180.0, 8000.0)
LOOP_BEATS = 16  # the simulator's songs tile a four-bar loop
SEGMENT_S = 60
OVERLAP_S = 1
SUNG_MARGIN = (0.05, 0.15)  # s before a line starts / after it ends (the note's release)


def _stft(x: np.ndarray) -> np.ndarray:
    return dsp.stft(x, N_FFT, HOP)


def split(
    x: np.ndarray, timing: list | None, bpm: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drums, bass and vocals of a mono float signal, each as long as ``x``.

    A long signal is split in segments of ``SEGMENT_S`` crossfaded over ``OVERLAP_S``: the
    spectrogram masks are local, and this keeps the memory to ~150 MB for a 10-minute clip."""
    n, size, overlap = len(x), SEGMENT_S * SAMPLE_RATE, OVERLAP_S * SAMPLE_RATE
    if n <= size + overlap:
        return _split(x, timing, bpm)
    out = np.zeros((3, n), np.float32)
    for start in range(0, n - overlap, size):
        end = min(n, start + size + overlap)
        t0 = start / SAMPLE_RATE
        parts = np.stack(_split(x[start:end], [[a - t0, b - t0] for a, b in timing or []], bpm))
        ramp = np.ones(end - start, np.float32)
        if start:
            ramp[:overlap] = np.linspace(0, 1, overlap)
        if end < n:
            ramp[-overlap:] = np.linspace(1, 0, overlap)
        out[:, start:end] += parts * ramp
    return out[0], out[1], out[2]


def _split(
    x: np.ndarray, timing: list | None, bpm: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from scipy.ndimage import median_filter

    n = len(x)
    spec = _stft(x)
    freqs = np.fft.rfftfreq(N_FFT, 1 / SAMPLE_RATE)
    times = np.arange(spec.shape[1]) * HOP / SAMPLE_RATE
    mag = np.abs(spec).astype(np.float32)
    across_time = median_filter(mag, size=(1, KERNEL))  # sustained notes survive this
    across_freq = median_filter(mag, size=(KERNEL, 1))  # broadband hits survive this
    percussive = across_freq**2 / (across_freq**2 + across_time**2 + 1e-12)
    harmonic = 1 - percussive
    low = _falling(freqs, *BASS_EDGE)[:, None]
    voice = np.zeros_like(mag)
    sung = _sung(times, timing)
    if sung.any():
        band = (1 - _falling(freqs, VOICE_BAND[0] - 40, VOICE_BAND[0])) * _falling(
            freqs, VOICE_BAND[1], VOICE_BAND[1] * 1.1
        )
        loop = round(LOOP_BEATS * 60 / bpm * SAMPLE_RATE) if bpm else 0
        background = _repeating(x, mag, loop, sung)
        excess = np.clip(1 - background / (mag[:, sung] + 1e-12), 0, 1)
        voice[:, sung] = excess * (band[:, None] * (1 - low) * harmonic[:, sung])

    def back(mask: np.ndarray) -> np.ndarray:
        return dsp.istft(spec * mask, N_FFT, HOP, n)

    return back(percussive), back(harmonic * low), back(voice)


def _repeating(x: np.ndarray, mag: np.ndarray, loop: int, frames: np.ndarray) -> np.ndarray:
    """The repeating background's magnitude in the chosen ``frames``: the median of the frames
    whole loops away (zero where there is none, so the frame counts as not repeating)."""
    n, own = len(x), mag[:, frames]
    centres = np.flatnonzero(frames) * HOP
    first, last = np.maximum(0, centres - N_FFT // 2), np.minimum(n, centres + N_FFT // 2)
    others = []
    for shift in (-2 * loop, -loop, loop, 2 * loop) if loop else ():
        valid = (first + shift >= 0) & (last + shift <= n)
        if not valid.any():
            continue
        shifted = np.zeros_like(x)  # shifted[i] = x[i + shift]
        shifted[max(0, -shift) : n - max(0, shift)] = x[max(0, shift) : n + min(0, shift)]
        other = np.abs(_stft(shifted)[:, frames]).astype(np.float32)
        other[:, ~valid] = np.nan
        others.append(other)
    if not others:
        return np.zeros_like(own)
    # A median over the loops each frame has (NaN sorts last): cheaper than np.nanmedian.
    ordered = np.sort(np.stack(others), axis=0)
    count = (~np.isnan(ordered[:, 0, :])).sum(axis=0)

    def rank(i: np.ndarray) -> np.ndarray:  # the i-th smallest of each frame's loops
        index = np.broadcast_to(np.maximum(0, i)[None, None, :], (1, *own.shape))
        return np.take_along_axis(ordered, index, axis=0)[0]

    model = np.where(count > 0, (rank((count - 1) // 2) + rank(count // 2)) / 2, 0)
    return np.minimum(model, own)


def _falling(freqs: np.ndarray, start: float, stop: float) -> np.ndarray:
    """1 below ``start``, 0 above ``stop``, a raised cosine between."""
    t = np.clip((freqs - start) / (stop - start), 0, 1)
    return 0.5 + 0.5 * np.cos(np.pi * t)


def _sung(times: np.ndarray, timing: list | None) -> np.ndarray:
    """Which frames (by their centre time) lie in a timed line, margins included."""
    sung = np.zeros(len(times), bool)
    before, after = SUNG_MARGIN
    for start, end in timing or []:
        sung |= (times >= start - before) & (times <= end + after)
    return sung
