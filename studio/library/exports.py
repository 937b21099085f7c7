"""A take's exports: MP3 and FLAC encoded here from our WAV, and tagged copies of WAV and m4a.

MP3 is encoded locally (PyAV's libmp3lame) rather than fetched from the upstream's
``GET /music/download``: that would cost a network round trip and an upstream call per download,
work only while the upstream keeps the job (about 7 days), and need a second guarded download
path (DESIGN §5.8). Our WAV is the master copy, and it is ours for good (§5.7).

Nothing is held whole in memory: the WAV is read a block at a time (the ``wave`` module) and
encoded frame by frame into a temporary file, which is tagged (tagging.py) and only then moved
into place, so a half-written export is never served. An export is kept in storage under a name
made from the clip and everything its bytes depend on (``exports/<pk>/<digest>.<ext>``): made
once, re-used until a tag changes (a renamed take), then replaced. Concurrent first requests
wait on a per-export lock; the later ones find the file the first one made.

With media in an S3-compatible bucket the stored WAV is read through ranged GETs
(studio/storage_files.py), the export is made in a local temporary file and uploaded, and an
object appears whole when its upload ends. There is no lock across hosts: two first requests
may both encode; the later upload gets a suffixed name, which the stale-file clean-up removes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO, cast

import av
import numpy as np
from av.audio.stream import AudioStream
from av.container import OutputContainer
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from mutagen import MutagenError

from studio.library.tagging import Tags, cover_file, read_cover, tags_for, write_tags
from studio.songs.models import Clip
from studio.storage_files import local_path, open_stored


@dataclass(frozen=True)
class ExportFormat:
    content_type: str
    extension: str
    codec: str = ""  # the encoder; "" for a tagged copy of the stored file
    source: str = "wav"  # the clip's file it is made from


FORMATS = {
    "mp3": ExportFormat("audio/mpeg", ".mp3", codec="libmp3lame"),
    "flac": ExportFormat("audio/flac", ".flac", codec="flac"),
    "wav": ExportFormat("audio/wav", ".wav"),
    "m4a": ExportFormat("audio/mp4", ".m4a", source="audio"),
}
EXPORT_DIR = "exports"
# Part of every export's name: a new version when the encoding or tagging changes.
EXPORT_VERSION = 1
# Audio frames read from the WAV at a time: 256 KB of 16-bit stereo.
BLOCK_FRAMES = 65536
COPY_CHUNK = 1024 * 1024
# The sample rates MP3 has; a WAV at another rate is encoded at the nearest one below.
MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


class ExportError(Exception):
    """The take's stored file is missing or cannot be read as audio."""


def export_name(clip: Clip, fmt: str, tags: Tags, folder: str = "") -> str:
    source = getattr(clip, FORMATS[fmt].source)
    made_from = [EXPORT_VERSION, fmt, clip.clip_id, source.name, tags.fingerprint()]
    digest = hashlib.sha256(json.dumps(made_from).encode()).hexdigest()[:24]
    where = f"{EXPORT_DIR}/{clip.pk}/{folder}/" if folder else f"{EXPORT_DIR}/{clip.pk}/"
    return f"{where}{digest}{FORMATS[fmt].extension}"


def clip_export(clip: Clip, fmt: str, tags: Tags | None = None, folder: str = "") -> FieldFile:
    """The clip's export in this format (a key of FORMATS), made first if it is not stored.

    Tagged with `tags` (the take's own by default); other tags go in a `folder` of their own,
    whose stale files are cleaned up apart from the others'.
    """
    spec = FORMATS[fmt]
    source: FieldFile = getattr(clip, spec.source)
    if not source:
        raise ExportError("This take has no stored audio to export.")
    tags = tags or tags_for(clip)
    name = export_name(clip, fmt, tags, folder)
    storage = source.storage
    field = cast(FileField, Clip._meta.get_field(spec.source))
    stored = FieldFile(clip, field, name)
    if storage.exists(name):
        return stored
    with _lock(storage, name):
        if not storage.exists(name):  # not made by the request we waited for
            _make(clip, fmt, tags, storage, name)
            _remove_stale(storage, name)
    return stored


def _make(clip: Clip, fmt: str, tags: Tags, storage: Storage, name: str) -> None:
    spec = FORMATS[fmt]
    source: FieldFile = getattr(clip, spec.source)
    with _temporary(storage, name) as temp:
        try:
            if spec.codec:
                encode(source, temp, fmt)
            else:
                _copy(source, temp)
            write_tags(temp, fmt, tags, read_cover(cover_file(clip)))
        except FileNotFoundError as error:
            raise ExportError("The take's audio is missing from storage.") from error
        except MutagenError as error:
            raise ExportError(f"The take's {fmt} cannot be tagged.") from error
        _publish(temp, storage, name)


@contextmanager
def _lock(storage: Storage, name: str) -> Iterator[None]:
    """Held while one process makes an export; flock is released even if that process dies."""
    path = local_path(storage, name)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@contextmanager
def _temporary(storage: Storage, name: str) -> Iterator[Path]:
    """A temporary file beside the export (so moving it is atomic), removed if it is not used."""
    path = local_path(storage, name)
    where = path.parent if path else None
    handle, temp = tempfile.mkstemp(prefix=".part-", suffix=Path(name).suffix, dir=where)
    os.close(handle)
    try:
        yield Path(temp)
    finally:
        Path(temp).unlink(missing_ok=True)


def _publish(temp: Path, storage: Storage, name: str) -> None:
    path = local_path(storage, name)
    if path is None:
        with temp.open("rb") as data:
            storage.save(name, File(data))
        return
    # mkstemp makes it private; the web server (X-Accel) must read it like any other media.
    os.chmod(temp, settings.FILE_UPLOAD_PERMISSIONS or 0o644)
    os.replace(temp, path)


def _remove_stale(storage: Storage, name: str) -> None:
    """Earlier exports of the clip in this format (made before a tag changed), and their locks."""
    folder, current = name.rsplit("/", 1)
    extension = Path(current).suffix
    for other in storage.listdir(folder)[1]:
        if other.startswith(".") or other.startswith(current):
            continue
        if other.endswith(extension) or other.endswith(f"{extension}.lock"):
            storage.delete(f"{folder}/{other}")


def _copy(source: FieldFile, target: Path) -> None:
    with open_stored(source) as data, target.open("wb") as out:
        shutil.copyfileobj(data, out, COPY_CHUNK)


# Encoding ---------------------------------------------------------------------------------


@dataclass
class Pcm:
    """Audio read from a stored file a block at a time, as PyAV frames."""

    rate: int
    channels: int
    sample_format: str  # s16 or s32: what the frames hold, and what FLAC keeps
    frames: Iterator[av.AudioFrame]


def _samples(data: bytes, width: int) -> np.ndarray:
    """Interleaved WAV samples as int16 (8 and 16 bits) or int32 (24 and 32 bits)."""
    if width == 1:  # unsigned
        return ((np.frombuffer(data, np.uint8).astype(np.int16) - 128) << 8).astype(np.int16)
    if width == 3:  # little-endian, in the top three bytes of an int32
        padded = np.zeros((len(data) // 3, 4), np.uint8)
        padded[:, 1:] = np.frombuffer(data, np.uint8).reshape(-1, 3)
        return padded.view("<i4").ravel()
    return np.frombuffer(data, "<i2" if width == 2 else "<i4")


def _wav_frames(wav: wave.Wave_read, layout: str, sample_format: str) -> Iterator[av.AudioFrame]:
    width, frame_bytes = wav.getsampwidth(), wav.getsampwidth() * wav.getnchannels()
    while True:
        block = wav.readframes(BLOCK_FRAMES)
        # A file cut short can end inside a frame: that part of a frame is dropped.
        data = block[: len(block) // frame_bytes * frame_bytes]
        if not data:
            return
        samples = _samples(data, width).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format=sample_format, layout=layout)
        frame.sample_rate = wav.getframerate()
        yield frame


def _readable_wav(data: IO[bytes]) -> wave.Wave_read | None:
    """The WAV opened by ``wave``, or None for what it cannot read (float, extensible, > 2 ch)."""
    try:
        wav = wave.open(data)  # noqa: SIM115  (open_pcm closes it)
    except (wave.Error, EOFError, RuntimeError):  # RuntimeError: a chunk size past the end
        return None
    if wav.getnchannels() in (1, 2) and wav.getsampwidth() in (1, 2, 3, 4):
        return wav
    wav.close()
    return None


@contextmanager
def open_pcm(source: FieldFile) -> Iterator[Pcm]:
    """The stored WAV's samples, read by ``wave``; what it cannot read, PyAV decodes."""
    with open_stored(source) as data:
        wav = _readable_wav(data)
        if wav is None:
            data.seek(0)
            with _decoded(data) as pcm:
                yield pcm
            return
        with wav:
            layout = "mono" if wav.getnchannels() == 1 else "stereo"
            sample_format = "s16" if wav.getsampwidth() <= 2 else "s32"
            frames = _wav_frames(wav, layout, sample_format)
            yield Pcm(wav.getframerate(), wav.getnchannels(), sample_format, frames)


@contextmanager
def _decoded(data: IO[bytes]) -> Iterator[Pcm]:
    try:
        container = av.open(data, "r")
    except av.FFmpegError as error:
        raise ExportError("The take's WAV cannot be read.") from error
    with container:
        if not container.streams.audio:
            raise ExportError("The take's WAV has no audio.")
        stream = container.streams.audio[0]
        wide = stream.format.bytes > 2 if stream.format else False
        frames = (f for f in container.decode(stream) if isinstance(f, av.AudioFrame))
        yield Pcm(stream.rate, stream.channels, "s32" if wide else "s16", frames)


def encode(source: FieldFile, target: Path, fmt: str) -> None:
    """Encode the stored WAV into `target` (MP3 or FLAC), one block of frames at a time."""
    with open_pcm(source) as pcm, av.open(str(target), "w", format=fmt) as out:
        if fmt == "mp3":
            rate = max((r for r in MP3_RATES if r <= pcm.rate), default=MP3_RATES[0])
            layout = _layout(min(pcm.channels, 2))  # MP3 has no more: the encoder downmixes
            stream = _audio_stream(out, fmt, rate, layout)
            stream.bit_rate = 320_000 if rate >= 32000 else 160_000  # MPEG-2's top is 160
            stream.codec_context.format = "s16p" if pcm.sample_format == "s16" else "s32p"
        else:
            stream = _audio_stream(out, fmt, pcm.rate, _layout(pcm.channels))
            stream.codec_context.format = pcm.sample_format
        done = 0
        try:
            for frame in pcm.frames:
                # Counted in the source's samples: the encoder resamples and re-frames.
                frame.pts, frame.time_base = done, Fraction(1, frame.sample_rate)
                done += frame.samples
                out.mux(stream.encode(frame))
        except (av.FFmpegError, wave.Error, EOFError) as error:
            raise ExportError("The take's WAV cannot be read to the end.") from error
        out.mux(stream.encode(None))


def _audio_stream(out: OutputContainer, fmt: str, rate: int, layout: str) -> AudioStream:
    return cast(AudioStream, out.add_stream(FORMATS[fmt].codec, rate=rate, layout=layout))


def _layout(channels: int) -> str:
    return {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")
