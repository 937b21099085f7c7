"""``operation: "stems"``: four clips (drums, bass, vocals, other) that add up to the source.

The split is ``separate.py``'s, channel by channel. Each stem is rounded to int16 on its own
except "other", which is the source's int16 samples minus the three others': the four WAVs add
up to the source's samples exactly (unless "other" would exceed full scale, where it clips).
Same length as the source; the vocals keep the source's lyrics and timing, the others are
``[Instrumental]`` without timing. Rendered once per source clip, the four side by side.

The call is synchronous: the answer comes when the stems are rendered, but no sooner than
``STEMS_LATENCY`` x the state's ``latency`` after the request (upstream's stems take 15-60 s
where a song takes 40-150 s; the mounted simulator's 4 s latency gives 2 s, the tests' 0.05 s
25 ms). Rendering a 30 s clip's stems takes 3-5 s on a busy two-core machine (the split, then
four WAV, m4a and JPEG files); a repeat answers in milliseconds.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np

from studio.simulator import dsp, separate
from studio.simulator.audio import SAMPLE_RATE, RenderedSong
from studio.simulator.encode import read_samples
from studio.simulator.lyrics import INSTRUMENTAL
from studio.simulator.media import ClipMedia, MediaStore

#: The stems in the order of the job's clips; each is titled ``<title> - <name>``.
STEMS = ("drums", "bass", "vocals", "other")
STEMS_LATENCY = 0.5
_FULL = 32767


def stem_title(title: str, slot: int) -> str:
    return f"{title} - {STEMS[slot]}"


def render_stem(store: MediaStore, source: ClipMedia, slot: int) -> ClipMedia:
    """Stem number ``slot`` of ``source`` (all four are rendered, once, on the first call)."""
    return store.cached(f"stems:{source.wav}", lambda: _render_all(store, source))[slot]


def _render_all(store: MediaStore, source: ClipMedia) -> tuple[ClipMedia, ...]:
    parts = split_ints(read_samples(store.path_for(source.wav)), source)
    duration_s = round(len(parts[0]) / SAMPLE_RATE, 2)

    def render(slot: int) -> ClipMedia:
        vocal = STEMS[slot] == "vocals"
        song = RenderedSong(
            samples=parts[slot].astype(np.float32) / np.float32(_FULL),
            sample_rate=SAMPLE_RATE,
            duration_s=duration_s,
            title=stem_title(source.title, slot),
            lyrics=(source.lyrics or INSTRUMENTAL) if vocal else INSTRUMENTAL,
            lyrics_timing=source.lyrics_timing if vocal else None,
            bpm=int(source.bpm or 0),
        )
        # The artwork's prompt names the stem: each gets a cover of its own.
        return store.render_cached(["stem", source.wav, STEMS[slot]], lambda: (song, song.title))

    with ThreadPoolExecutor(len(STEMS)) as pool:  # the encoders run side by side
        return tuple(pool.map(render, range(len(STEMS))))


def split_ints(samples: np.ndarray, source: ClipMedia) -> list[np.ndarray]:
    """The four stems of ``samples`` (float, from int16) as int32 arrays of int16 values, in
    ``STEMS`` order; "other" is the exact remainder."""
    whole = np.round(samples * _FULL).astype(np.int32)

    def channel(x: np.ndarray, index: int) -> np.ndarray:
        drums, bass, vocals = separate.split(x, source.lyrics_timing, source.bpm)
        return np.stack([drums, bass, vocals], axis=-1)

    three = dsp.per_channel(channel, samples)  # (n, 3) or (n, channels, 3)
    ints = np.round(np.clip(three, -1, 1) * _FULL).astype(np.int32)
    other = np.clip(whole - ints.sum(axis=-1), -_FULL, _FULL)
    return [ints[..., 0], ints[..., 1], ints[..., 2], other]


def titled(stem: ClipMedia, title: str | None, slot: int) -> ClipMedia:
    """The stem named after the request's ``title`` when one was given."""
    return replace(stem, title=stem_title(title, slot)) if title else stem
