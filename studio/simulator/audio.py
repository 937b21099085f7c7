"""Songs for the Flow Music simulator: a seeded arrangement rendered to mono samples.

Four bars of pads, arpeggio, bass and drums are tiled over the song and muted in and out, and a
sung-like lead follows the lyrics timing, so the audio agrees with the job record (length, tempo,
timed lines). ``render_music`` renders a given length, tempo and timing, for the edits of
``edits.py``. Pure and deterministic: the same inputs always give the same samples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from studio.simulator.lyrics import (
    INSTRUMENTAL,
    generate_lyrics,
    plan_timing,
    sung_lines,
    title_for,
    wants_vocals,
)
from studio.simulator.seeds import seed_from

SAMPLE_RATE = 44100
_TABLE = 2048  # wavetable length: one lookup per sample is what keeps rendering fast
_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10)
_PROGRESSIONS = {
    _MAJOR: ((0, 4, 5, 3), (0, 5, 3, 4), (5, 3, 0, 4), (0, 3, 5, 4)),
    _MINOR: ((0, 5, 2, 6), (0, 3, 6, 2), (0, 5, 3, 4)),
}
_BPM = re.compile(r"(\d{1,4})\s*-?\s*bpm\b", re.IGNORECASE)
_MINOR_CUE = re.compile(r"\b(sad|dark|minor|melanchol\w*|moody|somber|sombre|lonely)\b", re.I)
_MAJOR_CUE = re.compile(r"\b(happy|upbeat|bright|major|sunny|joyful|cheerful)\b", re.I)
# Vowel formants (Hz) give the lead a voice-like colour instead of a plain sine.
_VOWELS = ((800, 1150), (450, 800), (530, 1840), (350, 1700))


@dataclass(frozen=True)
class RenderedSong:
    """One rendered clip: mono float32 samples plus what the job record reports about them."""

    samples: np.ndarray
    sample_rate: int
    duration_s: float
    title: str
    lyrics: str
    lyrics_timing: list[list[float]] | None
    bpm: int


def _wavetable(weights: tuple[float, ...] | np.ndarray) -> np.ndarray:
    x = np.arange(_TABLE) / _TABLE
    table = np.sum([w * np.sin(2 * np.pi * (k + 1) * x) for k, w in enumerate(weights)], axis=0)
    return (table / np.abs(table).max()).astype(np.float32)


_PAD = _wavetable((1, 0.45, 0.2, 0.1))
_PLUCK = _wavetable((1, 0.5, 0.33, 0.25, 0.2, 0.12, 0.08))
_BASS = _wavetable((1, 0.6, 0.3, 0.12))


@lru_cache(maxsize=512)
def _voice_table(midi: int, vowel: int) -> np.ndarray:
    f0 = _hz(midi)
    f = f0 * np.arange(1, 25)
    f1, f2 = _VOWELS[vowel]
    weights = np.exp(-(((f - f1) / 180) ** 2)) + 0.6 * np.exp(-(((f - f2) / 240) ** 2))
    weights += 0.5 / np.arange(1, 25) ** 1.5
    return _wavetable(np.where(f < 9000, weights, 0.0))


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _tone(
    table: np.ndarray, midi: float, length: float, *, attack: float = 0.01,
    release: float = 0.08, decay: float = 0.0, vibrato: float = 0.0,
) -> np.ndarray:  # fmt: skip
    """One enveloped note, fully vectorized."""
    hz = _hz(midi)
    n = max(1, int((length + release) * SAMPLE_RATE))
    phase = np.arange(n) * (hz * _TABLE / SAMPLE_RATE)  # in table steps
    if vibrato:  # delayed vibrato, as singers do
        t, rate = np.arange(n) / SAMPLE_RATE, 2 * np.pi * 5.5
        phase += hz * _TABLE * vibrato * np.minimum(t / 0.35, 1.0) * np.sin(rate * t) / rate
    out = table[phase.astype(np.int64) & (_TABLE - 1)]
    if decay:
        out *= np.exp(np.arange(n, dtype=np.float32) * np.float32(-decay / SAMPLE_RATE))
    ramp = min(n, max(1, int(attack * SAMPLE_RATE)))
    out[:ramp] *= np.linspace(0, 1, ramp, dtype=np.float32)
    ramp = min(n, int(release * SAMPLE_RATE))
    out[n - ramp :] *= np.linspace(1, 0, ramp, dtype=np.float32)
    return out


class _Track:
    """A mono buffer notes are mixed into; a loop wraps note tails around to its start."""

    def __init__(self, n: int, loop: bool) -> None:
        self.buf = np.zeros(n, np.float32)
        self.loop = loop

    def add(self, at_s: float, audio: np.ndarray, gain: float = 1.0) -> None:
        n, i0 = len(self.buf), int(round(at_s * SAMPLE_RATE))
        if i0 >= n:
            return
        k = min(len(audio), n - i0)
        self.buf[i0 : i0 + k] += gain * audio[:k]
        if self.loop and k < len(audio):
            rest = audio[k : k + n]
            self.buf[: len(rest)] += gain * rest


def _drum_kit(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.arange(int(0.35 * SAMPLE_RATE)) / SAMPLE_RATE
    sweep = 45 + 110 * np.exp(-30 * t)  # the pitch drop is what makes a kick thump
    kick = np.sin(2 * np.pi * np.cumsum(sweep) / SAMPLE_RATE) * np.exp(-9 * t)
    noise = rng.standard_normal(len(t))
    snare = 0.5 * noise * np.exp(-18 * t) + 0.5 * np.sin(2 * np.pi * 190 * t) * np.exp(-25 * t)
    hat = np.diff(noise, prepend=0.0) * np.exp(-70 * t) * 0.5  # diff: a crude high-pass
    return kick.astype(np.float32), snare.astype(np.float32), hat.astype(np.float32)


def _chord(mode: tuple[int, ...], degree: int, key: int) -> list[int]:
    steps = [degree + 2 * i for i in range(3)]
    return [key + mode[s % 7] + 12 * (s // 7) for s in steps]


def _render_loop(
    rng: np.random.Generator, chords: list[list[int]], beat: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Four bars of pads, arpeggio, bass and drums; the song tiles them like a producer would."""
    n = int(round(16 * beat * SAMPLE_RATE))
    pad, arp, bass, drums = (_Track(n, loop=True) for _ in range(4))
    bar = 4 * beat
    step = beat / 4 if beat > 0.55 else beat / 2
    shape = [(0, 1, 2, 1), (0, 1, 2, 3), (0, 2, 1, 3), (2, 1, 0, 1)][rng.integers(4)]
    groove = [(0, 2, 3), (0, 1.5, 2, 3), (0, 0.5, 1.5, 2, 3, 3.5)][rng.integers(3)]
    for i, chord in enumerate(chords):
        t0 = i * bar
        for m in chord:
            for cents in (-0.07, 0.07):  # two detuned voices make the pad shimmer
                pad.add(t0, _tone(_PAD, m + cents, bar, attack=min(0.4, bar / 4), release=0.6))
        notes = [*chord, chord[0] + 12]
        for j in range(int(round(bar / step))):
            m = notes[shape[j % 4]] + 12
            arp.add(t0 + j * step, _tone(_PLUCK, m, step, attack=0.004, release=0.15, decay=6))
        root = 36 + chord[0] % 12
        for b, nxt in zip(groove, [*groove[1:], 4], strict=True):
            m = root + 12 if b % 1 else root
            bass.add(t0 + b * beat, _tone(_BASS, m, (nxt - b) * beat * 0.85, decay=2.5))
    kick, snare, hat = _drum_kit(rng)
    four_on_floor = beat < 0.54 and rng.random() < 0.6
    for b in np.arange(0, 16, 0.5):
        pos = b % 4
        if pos in (0, 2) or (four_on_floor and pos % 1 == 0) or (not four_on_floor and pos == 2.5):
            drums.add(b * beat, kick)
        if pos in (1, 3):
            drums.add(b * beat, snare, 0.6)
        drums.add(b * beat, hat, 0.35 if pos % 1 else 0.15)
    return pad.buf, arp.buf, bass.buf, drums.buf


def _render_lead(
    rng: np.random.Generator, timing: list[list[float]], chords: list[list[int]],
    mode: tuple[int, ...], key: int, beat: float, n: int,
) -> np.ndarray:  # fmt: skip
    """A sung-like melody during each timed line, moving by small steps over the chords."""
    lead = _Track(n, loop=False)
    scale = [key + 12 * o + s for o in range(-1, 3) for s in mode]
    scale = [m for m in scale if 57 <= m <= 76]
    bar = 4 * beat
    for start, end in timing:
        vowel = int(rng.integers(len(_VOWELS)))
        chord = chords[int(start / bar) % len(chords)]
        idx = min(range(len(scale)), key=lambda i: abs(scale[i] % 12 - chord[0] % 12) + i / 100)
        idx = min(idx + 2, len(scale) - 1)
        t = start
        while t < end - 0.02:
            length = min(float(rng.choice([0.5, 0.5, 1, 1, 1.5, 2])) * beat, end - t)
            if end - t - length < beat / 2:  # hold the last note instead of a stub
                length = end - t
            table = _voice_table(scale[idx], vowel)
            lead.add(t, _tone(table, scale[idx], length, attack=0.04, release=0.08, vibrato=0.015))
            t += length
            idx = int(np.clip(idx + rng.choice([-2, -1, -1, 0, 1, 1, 2]), 0, len(scale) - 1))
    return lead.buf


def _gate(x: np.ndarray, start_s: float, end_s: float | None = None) -> None:
    """Silence a layer outside [start_s, end_s) with 20 ms ramps (arrangement by muting)."""
    ramp = int(0.02 * SAMPLE_RATE)
    i0 = int(start_s * SAMPLE_RATE)
    x[:i0] = 0
    x[i0 : i0 + ramp] *= np.linspace(0, 1, len(x[i0 : i0 + ramp]), dtype=np.float32)
    if end_s is not None:
        i1 = max(i0, int(end_s * SAMPLE_RATE))
        x[i1:] = 0
        x[max(i0, i1 - ramp) : i1] *= np.linspace(1, 0, len(x[max(i0, i1 - ramp) : i1]))


def prompt_bpm(prompt: str) -> int | None:
    """The tempo a prompt asks for ("80 bpm"), clamped to 40-220; None when it names none."""
    found = _BPM.search(prompt)
    return min(220, max(40, int(found.group(1)))) if found else None


def fade_samples(n: int) -> tuple[int, int]:
    """The fade-in and fade-out lengths of an ``n``-sample render (edits crossfade over them)."""
    return min(n, int(0.05 * SAMPLE_RATE)), min(n, int(min(1.5, n / SAMPLE_RATE / 8) * SAMPLE_RATE))


def render_song(prompt: str, *, lyrics: str | None, instrumental: bool, seed: int) -> RenderedSong:
    """Render a 10-30 s song for a prompt; the same inputs always give the same samples."""
    rng = np.random.default_rng([seed % 2**64, seed_from(prompt)])
    bpm = prompt_bpm(prompt) or int(rng.integers(72, 141))
    duration_cs = int(rng.integers(1000, 3001))
    title = title_for(prompt, seed)
    if lyrics and lyrics.strip():
        text = lyrics  # given lyrics force a vocal render, as upstream does
    elif instrumental or not wants_vocals(prompt):
        text = INSTRUMENTAL
    else:
        text = generate_lyrics(prompt, seed, title)
    lines = sung_lines(text)
    timing = None
    if lines:
        timing, duration_cs = plan_timing([brk for _, brk in lines], bpm, duration_cs)
    n = duration_cs * SAMPLE_RATE // 100  # 441 samples per centisecond: duration_s is exact
    return RenderedSong(
        samples=_arrange(rng, prompt, bpm, n, timing),
        sample_rate=SAMPLE_RATE,
        duration_s=round(n / SAMPLE_RATE, 2),
        title=title,
        lyrics=text,
        lyrics_timing=timing,
        bpm=bpm,
    )


def render_music(
    prompt: str, *, seed: int, duration_cs: int, timing: list[list[float]] | None,
    bpm: int | None = None,
) -> np.ndarray:  # fmt: skip
    """Exactly ``duration_cs`` centiseconds of music, sung along ``timing`` (None: instrumental).

    For edits, which choose the length, the tempo and the words themselves. Deterministic."""
    rng = np.random.default_rng([seed % 2**64, seed_from(prompt)])
    bpm = bpm or prompt_bpm(prompt) or int(rng.integers(72, 141))
    return _arrange(rng, prompt, bpm, duration_cs * SAMPLE_RATE // 100, timing)


def _arrange(
    rng: np.random.Generator, prompt: str, bpm: int, n: int, timing: list[list[float]] | None
) -> np.ndarray:
    """``n`` samples of a seeded arrangement in the prompt's mood, faded in and out."""
    minor = _MINOR_CUE.search(prompt) or (not _MAJOR_CUE.search(prompt) and rng.random() < 0.35)
    mode = _MINOR if minor else _MAJOR
    key = 48 + int(rng.integers(12))
    progression = _PROGRESSIONS[mode][rng.integers(len(_PROGRESSIONS[mode]))]
    chords = [_chord(mode, d, key) for d in progression]
    beat = 60 / bpm
    bar = 4 * beat
    pad, arp, bass, drums = (np.resize(layer, n) for layer in _render_loop(rng, chords, beat))
    song_s = n / SAMPLE_RATE
    _gate(arp, 0.0 if song_s < 3 * bar else bar)
    _gate(bass, bar if song_s > 3 * bar else 0.0)
    _gate(drums, 2 * bar if song_s > 6 * bar else bar, max(song_s - bar, song_s * 0.8))
    arp_gain = 0.06 if timing else 0.09  # leave room for the voice
    mix = 0.16 * pad + arp_gain * arp + 0.3 * bass + 0.45 * drums
    if timing:
        mix += 0.3 * _render_lead(rng, timing, chords, mode, key, beat, n)

    mix = np.tanh(1.5 * mix)  # gentle saturation glues the mix and tames drum peaks
    mix *= 0.89 / max(float(np.abs(mix).max()), 1e-9)
    fade_in, fade_out = fade_samples(n)
    mix[:fade_in] *= np.linspace(0, 1, fade_in)
    mix[n - fade_out :] *= np.linspace(1, 0, fade_out)
    return mix.astype(np.float32)
