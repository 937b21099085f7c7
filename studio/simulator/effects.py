"""The six effects of ``operation: "effect"``: real DSP on the source clip's own samples.

* Trim: exactly the source's samples ``round(start_s * 44100)`` to ``round(end_s * 44100)``;
  the lyrics keep the lines sung at least 0.1 s inside the slice, their timing shifted and cut.
* Fade: linear ramps from 0 over ``fade_in_s`` and down to 0 over ``fade_out_s`` (the first and
  last samples are 0).
* Gain: every sample times 10^(gain_db / 20). Nothing limits it: what exceeds full scale is
  clipped when written, as a plain gain stage does (the simulator's songs peak at -1 dBFS, so
  more than +1 dB clips their loudest peaks; so may an equalizer boost).
* Reverb: the source convolved with a decaying noise tail (RT60 0.3 s + 2.7 s x room_size,
  5-30 ms pre-delay, darkened above 6 kHz; a new tail per channel), scaled to the source's
  RMS and mixed by ``mix`` with an equal-power crossfade, so the loudness stays about the same.
  The clip keeps its length: the tail is cut at the end, its last 200 ms faded out (the songs
  fade out there anyway).
* Pan: a mono source becomes stereo by the constant-power law (left cos, right sin of
  (pan + 1) x pi/4: -3 dB each in the centre, so the BS.1770 loudness is unchanged); a stereo
  source is balanced by the same law scaled to unity in the centre and capped at unity.
* Equalizer: Audio EQ Cookbook biquads: a low shelf at 200 Hz (``bass_db``), a peak at 1 kHz,
  Q 0.7 (``mid_db``) and a high shelf at 5 kHz (``treble_db``).

Every effect but Trim keeps the source's length, lyrics and timing. Deterministic (the reverb's
noise follows the job's seed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from studio.simulator import dsp
from studio.simulator.audio import SAMPLE_RATE
from studio.simulator.lyrics import INSTRUMENTAL, pick_lines

#: Accepted values of ``effect``, in the order the error message lists them.
EFFECTS = ("Trim", "Fade", "Gain", "Reverb", "Pan", "Equalizer")
#: The equalizer's bands: (biquad, frequency in Hz, Q, the field that sets its gain).
EQ_BANDS = (
    ("low_shelf", 200.0, 0.7071, "bass_db"),
    ("peaking", 1000.0, 0.7, "mid_db"),
    ("high_shelf", 5000.0, 0.7071, "treble_db"),
)
TAIL_FADE_S = 0.2
DAMPING_HZ = 6000.0  # the reverb tail's low-pass (second order, Butterworth magnitude)
MIN_LINE_S = 0.1  # a line cut shorter than this by a trim is dropped


def trim_range(params: dict[str, Any], n: int) -> tuple[int, int]:
    """The sample indices ``[i0, i1)`` a trim keeps of an ``n``-sample clip: never empty (a
    reported duration is rounded, so ``end_s`` may lie a few samples past the last one)."""
    end = min(n, round(params["end_s"] * SAMPLE_RATE))
    return min(round(params["start_s"] * SAMPLE_RATE), end - 1), end


def process(x: np.ndarray, params: dict[str, Any], seed: int) -> np.ndarray:
    """The effect ``params["effect"]`` applied to ``x`` (float32, mono or ``(n, channels)``)."""
    return _PROCESSORS[params["effect"]](x, params, seed).astype(np.float32)


def trim_lyrics(
    lyrics: str | None, timing: list | None, params: dict[str, Any], n: int
) -> tuple[str, list | None]:
    """The lines a trim keeps, tags included, and their timing relative to the slice."""
    i0, i1 = trim_range(params, n)
    t0, t1 = i0 / SAMPLE_RATE, i1 / SAMPLE_RATE
    kept = [
        (index, [round(max(a, t0) - t0, 2), round(min(b, t1) - t0, 2)])
        for index, (a, b) in enumerate(timing or [])
        if min(b, t1) - max(a, t0) >= MIN_LINE_S
    ]
    if not kept:
        return INSTRUMENTAL, None
    return pick_lines(lyrics, {index for index, _ in kept}), [line for _, line in kept]


def _trim(x: np.ndarray, params: dict[str, Any], seed: int) -> np.ndarray:
    i0, i1 = trim_range(params, len(x))
    return x[i0:i1].copy()


def _fade(x: np.ndarray, params: dict[str, Any], seed: int) -> np.ndarray:
    n = len(x)
    k_in, k_out = (
        min(n, round(params[name] * SAMPLE_RATE)) for name in ("fade_in_s", "fade_out_s")
    )
    envelope = np.ones(n, np.float32)
    envelope[:k_in] = np.arange(k_in) / max(k_in, 1)
    tail = envelope[n - k_out :]
    envelope[n - k_out :] = np.minimum(tail, np.arange(k_out)[::-1] / max(k_out, 1))
    return x * dsp.along(envelope, x)


def _gain(x: np.ndarray, params: dict[str, Any], seed: int) -> np.ndarray:
    return x * np.float32(10 ** (params["gain_db"] / 20))


def _pan(x: np.ndarray, params: dict[str, Any], seed: int) -> np.ndarray:
    theta = (params["pan"] + 1) * np.pi / 4
    left, right = np.cos(theta), np.sin(theta)
    if x.ndim == 1:
        return np.stack([x * left, x * right], axis=1)
    return x * np.minimum(1.0, np.sqrt(2) * np.array([left, right], np.float32))


def _equalizer(x: np.ndarray, params: dict[str, Any], seed: int) -> np.ndarray:
    sections = [
        dsp.biquad(kind, hz, params[name], q) for kind, hz, q, name in EQ_BANDS if params[name]
    ]
    return dsp.filtered(x, *sections)


def reverb_tail(room_size: float, rng: np.random.Generator) -> np.ndarray:
    """A unit-energy impulse response: pre-delay, then exponentially decaying dark noise."""
    rt60 = 0.3 + 2.7 * room_size
    pre = int((0.005 + 0.025 * room_size) * SAMPLE_RATE)
    t = np.arange(int(rt60 * SAMPLE_RATE)) / SAMPLE_RATE
    # Darkened by a 6 kHz low-pass, applied to its spectrum.
    spectrum = np.fft.rfft(rng.standard_normal(len(t)))
    spectrum /= np.sqrt(1 + (np.fft.rfftfreq(len(t), 1 / SAMPLE_RATE) / DAMPING_HZ) ** 4)
    tail = np.fft.irfft(spectrum, len(t)) * np.exp(-6.908 * t / rt60)  # -60 dB at rt60
    ir = np.concatenate([np.zeros(pre, np.float32), tail.astype(np.float32)])
    return ir / np.float32(np.sqrt(np.sum(ir.astype(np.float64) ** 2)))


def _reverb(x: np.ndarray, params: dict[str, Any], seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, 0x5EB])
    n, mix = len(x), float(params["mix"])

    def wet(channel: np.ndarray, index: int) -> np.ndarray:
        out = dsp.convolve(channel, reverb_tail(params["room_size"], rng))[:n]
        k = min(n, int(TAIL_FADE_S * SAMPLE_RATE))
        out[n - k :] *= np.linspace(1, 0, k)
        # As loud as the dry signal: a room rings louder at some notes than at others.
        return out * (_rms(channel) / max(_rms(out), 1e-12))

    dry, wet_part = np.cos(mix * np.pi / 2), np.sin(mix * np.pi / 2)
    return dry * x + wet_part * dsp.per_channel(wet, x)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


_PROCESSORS: dict[str, Callable[[np.ndarray, dict[str, Any], int], np.ndarray]] = {
    "Trim": _trim,
    "Fade": _fade,
    "Gain": _gain,
    "Reverb": _reverb,
    "Pan": _pan,
    "Equalizer": _equalizer,
}
