"""Waveform peaks of a stored WAV, for the players (read in chunks: memory stays flat)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

PEAK_POINTS = 800


def waveform_peaks(path: str | Path, points: int = PEAK_POINTS) -> list[float]:
    """Peak amplitude (0..1) of `points` equal slices of a 16-bit PCM WAV."""
    with wave.open(str(path), "rb") as wav:
        frames, channels = wav.getnframes(), wav.getnchannels()
        if frames == 0 or wav.getsampwidth() != 2:
            return []
        per_point = max(frames / points, 1.0)
        peaks = np.zeros(points, dtype=np.float32)
        position = 0
        while True:
            data = wav.readframes(65536)
            if not data:
                break
            samples = np.abs(np.frombuffer(data, dtype="<i2").reshape(-1, channels).max(axis=1))
            index = ((position + np.arange(len(samples))) / per_point).astype(int)
            np.maximum.at(peaks, np.minimum(index, points - 1), samples.astype(np.float32))
            position += len(samples)
    top = float(peaks.max()) or 1.0
    return [round(float(p) / top, 3) for p in peaks]
