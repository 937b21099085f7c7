"""A stored WAV's tempo (BPM) and key, for the takes' labels and the library's filters.

Analysed in the worker right after a song completes (media_files.analyse_takes, called by
ingest.store_files: its takes are playable first, and an analysis that fails leaves the song as
it is), or by `manage.py analyse_tempo_key` for clips stored before; never in a web request.
librosa is imported inside the functions only, so the web process never loads it: it compiles
(numba) when first imported, about 10 s, so the ingest cluster's `manage.py qcluster` (where
songs are stored and analysed) calls warm() once before it forks its workers, and every worker
(and any worker restarted later) inherits it.

The first two minutes are plenty for both, mixed to mono at 22,050 Hz; the chroma (key) comes
from a second, finer spectrum at half that rate. A 3-minute song takes a fraction of a second.
"""

from __future__ import annotations

import logging
import time
import wave
from pathlib import Path
from typing import IO, NamedTuple

import numpy as np

log = logging.getLogger(__name__)

RATE = 22_050  # librosa's default rate, which its beat tracker's settings assume
MAX_SECONDS = 120  # analysed from the start; the rest of a song rarely changes tempo or key
MIN_SECONDS = 4.0  # shorter: too few beats to tell a tempo
N_FFT, HOP = 2048, 512
SILENCE = 10 ** (-50 / 20)  # peak below -50 dBFS: nothing to analyse
MIN_BEATS = 8
# A beat interval this far from the median one is a missed or extra beat, not the tempo.
BEAT_SPREAD = 0.1
# A key stands out when its profile correlates this well with the chroma: tonal music scores
# 0.75-0.95, noise and drums 0.2-0.35.
MIN_CORRELATION = 0.5
# Nor is one pitch class holding this much of the chroma a key (a lone note, a beep): in music
# the busiest one holds 15-25%.
LONE_NOTE = 0.4
CHROMA_RATE, CHROMA_FFT = 11_025, 8192  # 1.3 Hz bins: a semitone apart even in the bass

PITCHES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
MODES = ("major", "minor")
KEYS = tuple(f"{pitch} {mode}" for mode in MODES for pitch in PITCHES)  # what key_of names
# Krumhansl & Kessler's probe-tone ratings, tonic first (Krumhansl 1990).
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


class Analysis(NamedTuple):
    tempo_bpm: float | None  # None: silence, too short, or no steady beat
    key: str | None  # "A minor", "F# major"; None when no key stands out


UNANALYSED = Analysis(None, None)


def read_mono(source: str | Path | IO[bytes]) -> tuple[np.ndarray, int] | None:
    """The first MAX_SECONDS of a 16-bit PCM WAV as mono float32 in [-1, 1), and its rate;
    None for other sample formats."""
    with wave.open(str(source) if isinstance(source, Path) else source, "rb") as wav:
        channels, rate = wav.getnchannels(), wav.getframerate()
        if wav.getsampwidth() != 2:
            log.info("tempo and key not analysed: %s bytes a sample", wav.getsampwidth())
            return None
        data = wav.readframes(min(wav.getnframes(), MAX_SECONDS * rate))
    frames = np.frombuffer(data, dtype="<i2")
    frames = frames[: len(frames) - len(frames) % channels].reshape(-1, channels)
    mono = frames.mean(axis=1, dtype=np.float32) if channels > 1 else frames[:, 0]
    return mono.astype(np.float32) * np.float32(1 / 32768), rate


def tempo_of(onsets: np.ndarray) -> float | None:
    """BPM from the beats librosa's tracker finds in an onset envelope; None without a beat.

    Its own estimate is a whole number of frames per beat (96 BPM reads 95.7 or 99.4), so the
    tempo is the mean interval of the beats it tracked, missed and extra beats left out.
    """
    import librosa

    _, beats = librosa.beat.beat_track(onset_envelope=onsets, sr=RATE, hop_length=HOP)
    if len(beats) < MIN_BEATS:
        return None
    intervals = np.diff(beats.astype(np.float64))
    median = float(np.median(intervals))
    steady = intervals[np.abs(intervals - median) <= BEAT_SPREAD * median]
    if median <= 0 or len(steady) < MIN_BEATS - 1:
        return None
    return round(60 * RATE / HOP / float(steady.mean()), 1)


def key_of(chroma: np.ndarray) -> str | None:
    """The best of the 24 major and minor keys for a mean chroma (12 values, C first), by the
    Krumhansl-Schmuckler method: the key whose profile it correlates with best; None when
    none reaches MIN_CORRELATION, or one pitch class dominates (LONE_NOTE).

    A key and its relative (A minor, C major) share their notes: the profiles tell them apart
    by which notes weigh most, so music that dwells on A, C and E reads as A minor, and a loop
    that leans on C and G as C major. The relative is the usual mistake when there is one.
    """
    if not np.isfinite(chroma).all() or float(chroma.std()) <= 1e-9:
        return None
    if float(chroma.max()) > LONE_NOTE * float(chroma.sum()):
        return None
    scores = {
        (tonic, mode): float(np.corrcoef(chroma, np.roll(profile, tonic))[0, 1])
        for mode, profile in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE))
        for tonic in range(12)
    }
    (tonic, mode), best = max(scores.items(), key=lambda item: item[1])
    return f"{PITCHES[tonic]} {mode}" if best >= MIN_CORRELATION else None


def _onsets(samples: np.ndarray) -> np.ndarray:
    """librosa's onset envelope (mel spectral flux) of samples at RATE."""
    import librosa

    power = np.abs(librosa.stft(samples, n_fft=N_FFT, hop_length=HOP)) ** 2
    mel = librosa.feature.melspectrogram(S=power, sr=RATE)
    return librosa.onset.onset_strength(S=librosa.power_to_db(mel, ref=np.max), sr=RATE)


def _chroma(samples: np.ndarray) -> np.ndarray:
    """The mean chroma (C first) of samples at RATE.

    From a finer spectrum than the onsets': at 2048 points a bin is 11 Hz wide, wider than a
    semitone below 190 Hz, where the bass and the chords' roots are. Every frame counts alike
    (normalised), else the loudest drum hits would decide; near-silent frames stay near zero.
    Tuned to A440, as generated music is: estimating the tuning would cost more than the rest.
    """
    import librosa

    low = resample(samples, RATE, CHROMA_RATE)
    power = np.abs(librosa.stft(low, n_fft=CHROMA_FFT, hop_length=CHROMA_FFT // 4)) ** 2
    chroma = librosa.feature.chroma_stft(
        S=power, sr=CHROMA_RATE, n_fft=CHROMA_FFT, tuning=0.0, norm=None
    )
    norms = np.linalg.norm(chroma, axis=0)
    floor = max(float(norms.max()) * 1e-3, 1e-12)
    return (chroma / np.maximum(norms, floor)).mean(axis=1)


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """The samples at `target` Hz (soxr: fast, and no JIT)."""
    import librosa

    if rate == target:
        return samples
    return librosa.resample(samples, orig_sr=rate, target_sr=target, res_type="soxr_hq")


def analyse_samples(samples: np.ndarray, rate: int) -> Analysis:
    """Tempo and key of mono float samples; UNANALYSED for silence or under MIN_SECONDS."""
    if len(samples) < MIN_SECONDS * rate or float(np.abs(samples).max()) < SILENCE:
        return UNANALYSED
    samples = resample(samples, rate, RATE)
    return Analysis(tempo_of(_onsets(samples)), key_of(_chroma(samples)))


def analyse(source: str | Path | IO[bytes]) -> Analysis:
    """Tempo and key of a WAV; UNANALYSED when it cannot be read or analysed (never raises)."""
    started = time.perf_counter()
    try:
        audio = read_mono(source)
        result = UNANALYSED if audio is None else analyse_samples(*audio)
    except (wave.Error, EOFError, ValueError, OSError) as exc:
        log.warning("tempo and key not analysed: %s", exc)
        return UNANALYSED
    except Exception:  # an analysis never fails the song that it would only describe
        log.exception("tempo and key not analysed")
        return UNANALYSED
    log.debug("tempo and key analysed in %.3f s: %s", time.perf_counter() - started, result)
    return result


def warm() -> float:
    """Compile librosa's JIT code now, on a tiny signal; the seconds it took."""
    started = time.perf_counter()
    rate = 44_100  # as the WAVs come: their resampling is warmed too
    clicks = np.arange(int(MIN_SECONDS * rate * 2)) % (rate // 2) < rate // 50  # 120 BPM
    analyse_samples(np.where(clicks, 0.5, 0.01).astype(np.float32), rate)
    return time.perf_counter() - started
