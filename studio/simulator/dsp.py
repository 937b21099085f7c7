"""Signal processing shared by the effects and the stems: channel helpers, an STFT and its
inverse, FFT convolution and RBJ biquads, all in numpy (``scipy.signal`` alone takes seconds to
import; the stems' median filter is scipy's, ``scipy.ndimage``, imported when first needed).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from studio.simulator.audio import SAMPLE_RATE

FILTER_TAIL = SAMPLE_RATE  # samples a biquad's impulse response is followed for
BLOCK = 1 << 20  # FFT size of the block convolutions


def along(gain: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Per-sample ``gain`` shaped to multiply ``x``, mono ``(n,)`` or ``(n, channels)``."""
    return gain if x.ndim == 1 else gain[:, None]


def per_channel(fn: Callable[[np.ndarray, int], np.ndarray], x: np.ndarray) -> np.ndarray:
    """``fn(channel, index)`` on each channel of ``x``, reassembled in ``x``'s shape."""
    if x.ndim == 1:
        return fn(x, 0)
    return np.stack([fn(np.ascontiguousarray(x[:, c]), c) for c in range(x.shape[1])], axis=1)


def hann(size: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(size) / size)).astype(np.float32)


def stft(x: np.ndarray, size: int, hop: int) -> np.ndarray:
    """``(bins, frames)`` spectra of Hann-windowed frames; frame ``j`` is centred on sample
    ``j * hop`` (the signal is padded with zeros by half a frame on each side)."""
    frames = 1 + -(-len(x) // hop)
    padded = np.zeros((frames - 1) * hop + size, np.float32)
    padded[size // 2 : size // 2 + len(x)] = x
    windows = np.lib.stride_tricks.sliding_window_view(padded, size)[::hop] * hann(size)
    return np.fft.rfft(windows, axis=-1).T


def istft(spec: np.ndarray, size: int, hop: int, n: int) -> np.ndarray:
    """``n`` samples back from ``stft`` spectra: weighted overlap-add (``size`` a multiple of
    ``hop``), exact for unchanged spectra."""
    window = hann(size)
    frames = np.fft.irfft(spec.T, n=size, axis=-1) * window
    count, parts = frames.shape[0], size // hop
    out = np.zeros((count + parts - 1, hop))
    weight = np.zeros_like(out)
    for p in range(parts):
        out[p : p + count] += frames[:, p * hop : (p + 1) * hop]
        weight[p : p + count] += window[p * hop : (p + 1) * hop] ** 2
    out, weight = out.ravel(), weight.ravel()
    out = out / np.where(weight > 1e-6, weight, 1.0)
    return out[size // 2 : size // 2 + n].astype(np.float32)


def _overlap_add(x: np.ndarray, spectrum: Callable[[int], np.ndarray], tail: int) -> np.ndarray:
    """1-D ``x`` filtered block by block (``len(x) + tail`` samples): ``spectrum(size)`` is the
    filter's response on an rfft of that size, ``tail`` how long its impulse response lasts.
    Blocks keep the memory small even for 10-minute clips."""
    fft_size = max(BLOCK, 1 << (2 * tail).bit_length())
    step = fft_size - tail
    response = spectrum(fft_size)
    out = np.zeros(len(x) + tail)
    for i in range(0, len(x), step):
        block = np.fft.irfft(np.fft.rfft(x[i : i + step], fft_size) * response, fft_size)
        k = min(fft_size, len(out) - i)
        out[i : i + k] += block[:k]
    return out


def convolve(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The full linear convolution of two 1-D signals, by FFT."""
    return _overlap_add(x, lambda size: np.fft.rfft(kernel, size), len(kernel) - 1)


def biquad(kind: str, hz: float, gain_db: float = 0.0, q: float = 0.7071) -> tuple:
    """``(b, a)`` of an Audio EQ Cookbook (R. Bristow-Johnson) biquad: ``low_shelf``,
    ``peaking`` or ``high_shelf`` (shelf slope S = 1 when ``q`` is 1/sqrt(2))."""
    amp = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * hz / SAMPLE_RATE
    cos, alpha = np.cos(w0), np.sin(w0) / (2 * q)
    if kind == "peaking":
        b = [1 + alpha * amp, -2 * cos, 1 - alpha * amp]
        a = [1 + alpha / amp, -2 * cos, 1 - alpha / amp]
    else:
        sign = 1 if kind == "low_shelf" else -1
        root = 2 * np.sqrt(amp) * alpha
        p, m = amp + 1, amp - 1
        b = [
            amp * (p - sign * m * cos + root),
            sign * 2 * amp * (m - sign * p * cos),
            amp * (p - sign * m * cos - root),
        ]
        a = [p + sign * m * cos + root, -sign * 2 * (m + sign * p * cos), p + sign * m * cos - root]
    return np.array(b) / a[0], np.array(a) / a[0]


def filtered(x: np.ndarray, *sections: tuple) -> np.ndarray:
    """``x`` through a cascade of ``(b, a)`` biquads (along time, each channel), as float32.

    Applied through the cascade's exact frequency response on zero-padded FFT blocks: the same
    output as running the recursion (``lfilter``), as long as the impulse response has died
    out within ``FILTER_TAIL``, which a second guarantees for any audible filter."""

    def spectrum(size: int) -> np.ndarray:
        z = np.exp(-1j * np.pi * np.arange(size // 2 + 1) / (size // 2))  # e^-jw at each bin
        response = np.ones_like(z)
        for b, a in sections:
            response *= (b[0] + b[1] * z + b[2] * z**2) / (a[0] + a[1] * z + a[2] * z**2)
        return response

    def channel(c: np.ndarray, index: int) -> np.ndarray:
        return _overlap_add(c.astype(np.float64), spectrum, FILTER_TAIL)[: len(c)]

    return per_channel(channel, x).astype(np.float32)
