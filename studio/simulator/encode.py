"""Writers for rendered songs: 16-bit PCM WAV and AAC m4a, the two formats upstream serves."""

from __future__ import annotations

import os
import wave
from typing import BinaryIO

import av
import numpy as np

from studio.simulator.audio import RenderedSong

#: Longer clips (edits reach 10 minutes) use ffmpeg's fast AAC coder: twice as fast, still AAC.
FAST_CODER_ABOVE_S = 60.0


def write_wav(song: RenderedSong, fileobj: str | os.PathLike[str] | BinaryIO) -> None:
    """16-bit PCM mono WAV; the frame count is set up front so unseekable streams work too."""
    pcm = np.round(np.clip(song.samples, -1.0, 1.0) * 32767).astype("<i2")
    target = os.fspath(fileobj) if isinstance(fileobj, os.PathLike) else fileobj
    with wave.open(target, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(song.sample_rate)
        out.setnframes(len(pcm))
        out.writeframes(pcm.tobytes())


def write_m4a(song: RenderedSong, path: str | os.PathLike[str]) -> None:
    """AAC-LC in an MP4 container, the format upstream's `audio_url` serves."""
    with av.open(os.fspath(path), "w", format="mp4") as out:
        fast = song.duration_s > FAST_CODER_ABOVE_S
        options = {"aac_coder": "fast"} if fast else {}
        stream = out.add_stream("aac", rate=song.sample_rate, layout="mono", options=options)
        stream.bit_rate = 96_000
        size = stream.codec_context.frame_size or 1024  # known only once the codec opens
        samples = np.ascontiguousarray(song.samples, dtype=np.float32)
        for i in range(0, len(samples), size):
            frame = av.AudioFrame.from_ndarray(
                samples[None, i : i + size], format="fltp", layout="mono"
            )
            frame.sample_rate = song.sample_rate
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
