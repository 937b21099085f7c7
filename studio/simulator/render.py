"""Real media for the Flow Music simulator: short songs (WAV and AAC m4a) and cover images.

The simulator stands in for a music-generation API in development and tests, so what it returns
must be real, playable media whose length and lyrics timing agree with the job record. Everything
is pure and deterministic for the same inputs (no Django, no I/O except the writers).

This module is the public face; the work is done in ``audio.py`` (songs), ``encode.py`` (WAV and
m4a writers) and ``artwork.py`` (images).
"""

from __future__ import annotations

from studio.simulator.artwork import render_image
from studio.simulator.audio import SAMPLE_RATE, RenderedSong, render_song
from studio.simulator.encode import write_m4a, write_wav
from studio.simulator.lyrics import title_for  # the simulator titles clips with it
from studio.simulator.seeds import seed_from

__all__ = [
    "SAMPLE_RATE",
    "RenderedSong",
    "render_image",
    "render_song",
    "seed_from",
    "title_for",
    "write_m4a",
    "write_wav",
]
