"""Readers and writers for rendered songs: 16-bit PCM WAV, AAC m4a (what upstream serves) and
MP3 (``GET /music/download``).

Samples are float32 in [-1, 1], shaped ``(n,)`` for mono or ``(n, channels)`` (only the Pan
effect makes stereo). ``write_wav`` and ``read_samples`` round-trip int16 samples exactly.
"""

from __future__ import annotations

import os
import wave
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np

from studio.simulator.audio import RenderedSong

#: Longer clips (edits reach 10 minutes) use ffmpeg's fast AAC coder: twice as fast, still AAC.
FAST_CODER_ABOVE_S = 60.0
MP3_BIT_RATE = 192_000
#: LAME's -q 7: a third of the default's encoding time, no audible loss at 192 kbit/s.
MP3_OPTIONS = {"compression_level": "7"}


def channels(samples: np.ndarray) -> int:
    return 1 if samples.ndim == 1 else int(samples.shape[1])


def write_wav(song: RenderedSong, fileobj: str | os.PathLike[str] | BinaryIO) -> None:
    """16-bit PCM WAV; the frame count is set up front so unseekable streams work too."""
    pcm = np.round(np.clip(song.samples, -1.0, 1.0) * 32767).astype("<i2")
    target = os.fspath(fileobj) if isinstance(fileobj, os.PathLike) else fileobj
    with wave.open(target, "wb") as out:
        out.setnchannels(channels(pcm))
        out.setsampwidth(2)
        out.setframerate(song.sample_rate)
        out.setnframes(len(pcm))
        out.writeframes(pcm.tobytes())  # (n, channels) row-major: interleaved frames


def read_samples(path: Path) -> np.ndarray:
    """A 16-bit WAV as float32 in [-1, 1]: ``(n,)`` when mono, else ``(n, channels)``
    (``write_wav`` gives the same ints back)."""
    with wave.open(str(path), "rb") as wav:
        count = wav.getnchannels()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    if count > 1:
        pcm = pcm.reshape(-1, count)
    return pcm.astype(np.float32) / np.float32(32767)


def _encode(samples: np.ndarray, rate: int, stream: av.AudioStream, out) -> None:
    """Feed planar float frames of the codec's size, then flush."""
    layout = "mono" if channels(samples) == 1 else "stereo"
    size = stream.codec_context.frame_size or 1024  # known only once the codec opens
    planar = np.ascontiguousarray(np.atleast_2d(samples.T), dtype=np.float32)
    for i in range(0, planar.shape[1], size):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(planar[:, i : i + size]), format="fltp", layout=layout
        )
        frame.sample_rate = rate
        frame.pts = i
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def write_m4a(song: RenderedSong, path: str | os.PathLike[str]) -> None:
    """AAC-LC in an MP4 container, the format upstream's `audio_url` serves."""
    layout = "mono" if channels(song.samples) == 1 else "stereo"
    with av.open(os.fspath(path), "w", format="mp4") as out:
        fast = song.duration_s > FAST_CODER_ABOVE_S
        options = {"aac_coder": "fast"} if fast else {}
        stream = out.add_stream("aac", rate=song.sample_rate, layout=layout, options=options)
        stream.bit_rate = 96_000
        _encode(song.samples, song.sample_rate, stream, out)


def write_mp3(wav: Path, path: Path) -> None:
    """MP3 (LAME, 192 kbit/s CBR) of a stored WAV. The LAME header records the encoder delay
    and padding, so decoders give back exactly the WAV's length."""
    with wave.open(str(wav), "rb") as source:
        rate = source.getframerate()
    samples = read_samples(wav)
    layout = "mono" if channels(samples) == 1 else "stereo"
    with av.open(os.fspath(path), "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=rate, layout=layout, options=MP3_OPTIONS)
        stream.bit_rate = MP3_BIT_RATE
        _encode(samples, rate, stream, out)
