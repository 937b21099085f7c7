"""Real audio for ``POST /music/edit``: extend, replace, cover, remix or an effect on a clip.

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
* effect: one audio effect on the source's samples (``effects.py``); stems are ``stems.py``'s.

The music is rendered mono: a stereo source (a panned clip) is edited channel by channel, the
new music the same in both.

Times are rounded to the centisecond (441 samples), like every duration the simulator reports.
Deterministic: the same source, parameters and seed give the same samples, rendered once per
distinct input (``MediaStore.render_cached``); a ``title`` only names the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import takewhile
from typing import Any

import numpy as np

from studio.simulator import effects
from studio.simulator.audio import SAMPLE_RATE, RenderedSong, fade_samples, prompt_bpm, render_music
from studio.simulator.encode import read_samples
from studio.simulator.lyrics import keep_lines, plan_timing, sung_lines
from studio.simulator.media import ClipMedia, MediaStore
from studio.simulator.models import EditSpec, SimJob
from studio.simulator.seeds import seed_from

#: Result clips per operation: an A/B pair for cover and remix, four stems, else one.
TAKES = {"extend": 1, "replace": 1, "cover": 2, "remix": 2, "effect": 1, "stems": 4}
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
    Its title is the default one, ``<source title> (<suffix>)`` (an effect's: its name)."""
    suffix = SUFFIXES.get(edit.operation) or str(edit.params["effect"]).lower()
    title = f"{source.title} ({suffix})"
    inputs = ["edit", edit.operation, source.wav, source.title, edit.params, prompt, seed]

    def make() -> tuple[RenderedSong, str]:
        samples = read_samples(store.path_for(source.wav))
        # Salted: a cover with the source's own seed still sounds new.
        music_seed = seed_from(f"{edit.operation}:{seed}:{source.wav}")
        song = _render(edit, samples, source, prompt, music_seed)
        return replace(song, title=title), f"{title}. {prompt}"

    return store.render_cached(inputs, make)


def _render(
    edit: EditSpec, samples: np.ndarray, source: ClipMedia, prompt: str, seed: int
) -> RenderedSong:
    renderer = _RENDERERS[edit.operation]
    if samples.ndim == 1 or edit.operation == "effect":
        return renderer(samples, source, prompt, edit.params, seed)
    takes = [
        renderer(np.ascontiguousarray(samples[:, c]), source, prompt, edit.params, seed)
        for c in range(samples.shape[1])
    ]
    return replace(takes[0], samples=np.stack([t.samples for t in takes], axis=1))


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


def _effect(
    src: np.ndarray, source: ClipMedia, prompt: str, params: dict[str, Any], seed: int
) -> RenderedSong:
    out = effects.process(src, params, seed)
    lyrics, timing = source.lyrics or "", source.lyrics_timing
    if params["effect"] == "Trim":
        lyrics, timing = effects.trim_lyrics(lyrics, timing, params, len(src))
    return _song(out, lyrics, timing, _bpm(source))


_RENDERERS: dict[str, Callable[[np.ndarray, ClipMedia, str, dict, int], RenderedSong]] = {
    "extend": _extend,
    "replace": _replace,
    "cover": _cover,
    "remix": _remix,
    "effect": _effect,
}
