"""Real audio for ``POST /music/edit``: extend, replace, cover and remix a rendered clip.

Every edit starts from the source clip's WAV in the media store. Its int16 samples convert to
float and back exactly, so what an edit keeps is bit-identical in the result:

* extend: the first ``extend_from_s`` seconds of the source, then ``extend_s`` seconds of new
  instrumental music (the source's tempo, its prompt plus the instruction). The source's tail fades
  out under the new part's 50 ms fade-in, both after the extend point. The lyrics are the source's
  lines that end before that point. The new part is rendered at full length, not tiled: a 300 s
  extension takes about 3 s in all, 0.5 s of it rendering and 2 s encoding the m4a.
* replace: the source, with [mask_start_s, mask_end_s) rendered anew (sung where the source's
  lines were); the crossfades lie inside the mask. Same length, lyrics and timing as the source.
* cover: the source's length, lyrics and timing, restyled: a new seed and the instruction before
  the source's prompt; ``strength`` below 1 mixes the source back in.
* remix: the new lyrics, timed from scratch at about the source's length and tempo, sung over a
  new render of the prompt (the request's, else the source's).

Times are rounded to the centisecond (441 samples), like every duration the simulator reports.
Deterministic: the same source, parameters and seed give the same samples, rendered once per
distinct input (``MediaStore.render_cached``); a ``title`` only names the result.
"""

from __future__ import annotations

import wave
from collections.abc import Callable
from dataclasses import replace
from itertools import takewhile
from pathlib import Path
from typing import Any

import numpy as np

from studio.simulator.audio import SAMPLE_RATE, RenderedSong, fade_samples, prompt_bpm, render_music
from studio.simulator.lyrics import keep_lines, plan_timing, sung_lines
from studio.simulator.media import ClipMedia, MediaStore
from studio.simulator.models import EditSpec, SimJob
from studio.simulator.seeds import seed_from

#: Result clips per operation: one for extend and replace, an A/B pair for cover and remix.
TAKES = {"extend": 1, "replace": 1, "cover": 2, "remix": 2}
#: The result's title without a ``title`` in the request: ``<source title> (<suffix>)``.
SUFFIXES = {"extend": "extended", "replace": "replaced section", "cover": "cover", "remix": "remix"}
_CS = SAMPLE_RATE // 100  # samples per centisecond: lengths stay exact to the centisecond


def job_prompt(job: SimJob) -> str:
    """The style prompt a job's clips were made from (an edit of an edit inherits it)."""
    if job.edit is None:
        return job.request["prompt"]
    source, params = job_prompt(job.edit.source), job.edit.params
    if job.edit.operation == "cover" and params.get("instruction"):
        return f"{params['instruction']}. {source}"
    if job.edit.operation == "remix" and params.get("prompt"):
        return params["prompt"]
    return source


def render_edit(
    store: MediaStore, edit: EditSpec, source: ClipMedia, prompt: str, seed: int
) -> ClipMedia:
    """Render (once) one result clip of an edit of ``source``; ``prompt`` is ``job_prompt``.
    Its title is the default one, ``<source title> (<suffix>)``."""
    title = f"{source.title} ({SUFFIXES[edit.operation]})"
    inputs = ["edit", edit.operation, source.wav, source.title, edit.params, prompt, seed]

    def make() -> tuple[RenderedSong, str]:
        samples = read_samples(store.path_for(source.wav))
        # Salted: a cover with the source's own seed still sounds new.
        music_seed = seed_from(f"{edit.operation}:{seed}:{source.wav}")
        song = _RENDERERS[edit.operation](samples, source, prompt, edit.params, music_seed)
        return replace(song, title=title), f"{title}. {prompt}"

    return store.render_cached(inputs, make)


def read_samples(path: Path) -> np.ndarray:
    """A rendered mono 16-bit WAV as float32 in [-1, 1] (``write_wav`` gives the same ints back)."""
    with wave.open(str(path), "rb") as wav:
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return pcm.astype(np.float32) / np.float32(32767)


def _cs(seconds: float) -> int:
    return round(seconds * 100)


def _song(samples: np.ndarray, lyrics: str, timing: list | None, bpm: int | None) -> RenderedSong:
    duration_s = round(len(samples) / SAMPLE_RATE, 2)
    return RenderedSong(samples, SAMPLE_RATE, duration_s, "", lyrics, timing or None, bpm or 0)


def _bpm(source: ClipMedia) -> int | None:
    return int(source.bpm) if source.bpm else None


def _crossfade(new: np.ndarray, old: np.ndarray, *, back_in: bool) -> None:
    """Fade ``old`` out under the start of ``new`` (and, with ``back_in``, in under its end)."""
    fade_in, fade_out = fade_samples(len(new))
    k = min(fade_in, len(old))
    new[:k] += old[:k] * np.linspace(1, 0, k, dtype=np.float32)
    k = min(fade_out, len(old), len(new))
    if back_in and k:
        new[len(new) - k :] += old[len(old) - k :] * np.linspace(0, 1, k, dtype=np.float32)


def _extend(
    src: np.ndarray, source: ClipMedia, prompt: str, params: dict[str, Any], seed: int
) -> RenderedSong:
    keep = min(_cs(params["extend_from_s"]) * _CS, len(src))
    instruction = params["instruction"]
    bpm = prompt_bpm(instruction) or _bpm(source)
    new = render_music(
        f"{instruction}. {prompt}", seed=seed, duration_cs=_cs(params["extend_s"]), timing=None,
        bpm=bpm,
    )  # fmt: skip
    _crossfade(new, src[keep:], back_in=False)
    cut = keep / SAMPLE_RATE
    kept = list(takewhile(lambda line: line[1] <= cut, source.lyrics_timing or []))
    lyrics = keep_lines(source.lyrics, len(kept))
    return _song(np.concatenate([src[:keep], new]), lyrics, kept, bpm)


def _replace(
    src: np.ndarray, source: ClipMedia, prompt: str, params: dict[str, Any], seed: int
) -> RenderedSong:
    start = min(_cs(params["mask_start_s"]) * _CS, len(src))
    end = min(max(_cs(params["mask_end_s"]) * _CS, start + _CS), len(src))
    if end <= start:  # a mask at the very end that rounds to nothing: nothing to replace
        return _song(src.copy(), source.lyrics or "", source.lyrics_timing, _bpm(source))
    t0, t1 = start / SAMPLE_RATE, end / SAMPLE_RATE
    # The source's lines, as far as they fall inside the mask, are sung anew there.
    sung = [
        [round(max(a, t0) - t0, 2), round(min(b, t1) - t0, 2)]
        for a, b in source.lyrics_timing or []
        if min(b, t1) - max(a, t0) >= 0.1
    ]
    instruction = params["instruction"]
    bpm = prompt_bpm(instruction) or _bpm(source)
    new = render_music(
        f"{instruction}. {prompt}", seed=seed, duration_cs=(end - start) // _CS,
        timing=sung or None, bpm=bpm,
    )  # fmt: skip
    _crossfade(new, src[start:end], back_in=True)
    out = src.copy()
    out[start:end] = new
    return _song(out, source.lyrics or "", source.lyrics_timing, _bpm(source))


def _cover(
    src: np.ndarray, source: ClipMedia, prompt: str, params: dict[str, Any], seed: int
) -> RenderedSong:
    bpm = prompt_bpm(prompt) or 72 + seed % 69
    new = render_music(
        prompt, seed=seed, duration_cs=len(src) // _CS, timing=source.lyrics_timing, bpm=bpm
    )
    strength = float(params["strength"])
    mixed = strength * new + (1 - strength) * src[: len(new)]
    return _song(mixed.astype(np.float32), source.lyrics or "", source.lyrics_timing, bpm)


def _remix(
    src: np.ndarray, source: ClipMedia, prompt: str, params: dict[str, Any], seed: int
) -> RenderedSong:
    lyrics = params["lyrics"]
    bpm = prompt_bpm(prompt) or _bpm(source) or 72 + seed % 69
    breaks = [new_section for _, new_section in sung_lines(lyrics)]
    timing, duration_cs = plan_timing(breaks, bpm, max(1, len(src) // _CS))
    new = render_music(prompt, seed=seed, duration_cs=duration_cs, timing=timing, bpm=bpm)
    return _song(new, lyrics, timing, bpm)


_RENDERERS: dict[str, Callable[[np.ndarray, ClipMedia, str, dict, int], RenderedSong]] = {
    "extend": _extend,
    "replace": _replace,
    "cover": _cover,
    "remix": _remix,
}
