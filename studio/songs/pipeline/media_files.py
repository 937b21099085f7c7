"""One clip file from an upstream link to our storage: fetched by the guarded downloader,
checked by its bytes, then moved into place (DESIGN §5 invariants 7 and 8). Once the song is
complete (playable), its stored WAVs' loudness, tempo and key are measured (analyse_takes)."""

from __future__ import annotations

import logging
import time
import wave
from datetime import timedelta
from pathlib import Path

import httpx
from django.conf import settings
from django.core.files import File

from studio import stopping, storage_files
from studio.mediatypes import CLIP_FILES, extension
from studio.songs import filecheck
from studio.songs.models import Clip, Generation
from studio.songs.pipeline.analysis import UNANALYSED, Analysis, analyse
from studio.songs.pipeline.loudness import Loudness, measure
from studio.songs.pipeline.peaks import waveform_peaks
from studio.upstream.download import LIMITS, download

log = logging.getLogger(__name__)

# No download takes this long; an older partial file was left by a worker that died.
PARTIAL_MAX_AGE = timedelta(hours=1)
LABELS = {"audio": "the m4a audio", "wav": "the WAV audio", "image": "the artwork"}


class BadMedia(Exception):
    """The bytes are not what the link promised; fetching them again will not help."""


class _TempFile(File):
    """A finished download; a filesystem storage moves it into place instead of copying it.

    S3Storage never asks for this path: it uploads from the open handle in parts, so the file
    is not read into memory either way.
    """

    def temporary_file_path(self) -> str:
        return str(self.name)


def tmp_dir() -> Path:
    """Where downloads are written until complete and checked: always on this disk, in
    MEDIA_ROOT so that a move into a filesystem storage is a rename (a bucket gets an upload)."""
    return Path(settings.MEDIA_ROOT) / "tmp"


def sweep_partials(older_than: timedelta = PARTIAL_MAX_AGE) -> int:
    """Delete downloads that a killed worker left half-written."""
    cutoff = time.time() - older_than.total_seconds()
    swept = 0
    for path in tmp_dir().glob("*.part"):
        try:
            if path.stat().st_mtime > cutoff:
                continue
            path.unlink()
        except FileNotFoundError:
            continue  # another worker finished (or swept) it between listing and looking
        swept += 1
    return swept


def allowed_origins() -> list[str]:
    """Media may come from the configured upstreams' own origins (the built-in simulator
    included, on loopback); any other link must resolve to public addresses only."""
    return [url for url in (settings.FLOWMUSIC_API_URL, settings.RSFLOWHUB_API_URL) if url]


def fetch(http: httpx.Client, url: str, field: str) -> Path:
    return download(http, url, tmp_dir(), limits=LIMITS[field], allowed_origins=allowed_origins())


def check(field: str, path: Path) -> list[float] | None:
    """Raise BadMedia unless the file is what `field` needs; a WAV's waveform peaks."""
    if field == "wav":
        try:
            return waveform_peaks(path)
        except (wave.Error, EOFError, ValueError, OSError) as exc:
            raise BadMedia(f"it is not a WAV file we can read ({exc})") from None
    with open(path, "rb") as handle:
        if field == "image":
            try:
                filecheck.check_image(handle)
            except filecheck.Rejected as exc:
                raise BadMedia(f"it is not a usable image: {exc}") from None
        elif filecheck.audio_type(handle.read(16)) != CLIP_FILES[field]:
            raise BadMedia("it is not an m4a file")
    return None


def store(clip: Clip, field: str, path: Path) -> None:
    """Check `path`, move it into storage as the clip's `field`; the temp file is gone after.

    A WAV's waveform peaks are read from it first (the check: a few milliseconds)."""
    try:
        peaks = check(field, path)
        name = f"{clip.generation_id}-{clip.slot}{extension(CLIP_FILES[field])}"
        with open(path, "rb") as handle:
            getattr(clip, field).save(name, _TempFile(handle, name=str(path)), save=False)
    finally:
        path.unlink(missing_ok=True)
    updates: dict[str, object] = {field: getattr(clip, field).name}
    if peaks is not None:
        updates["peaks"] = clip.peaks = peaks
    Clip.objects.filter(pk=clip.pk).update(**updates)


def has(clip: Clip, field: str) -> bool:
    stored = getattr(clip, field)
    return bool(stored.name) and stored.storage.exists(stored.name)


def discard(generation: Generation) -> None:
    """Delete what a failed generation stored: it is never served, so it would only be litter."""
    for clip in generation.clips.all():
        for field in CLIP_FILES:
            stored = getattr(clip, field)
            if stored.name:
                stored.storage.delete(stored.name)
        Clip.objects.filter(pk=clip.pk).update(audio="", wav="", image="")


def analyse_stored(clip: Clip) -> Analysis | None:
    """The tempo and key of the clip's stored WAV; None when the file is not in storage."""
    try:
        # Not storage.open(): from a bucket, S3Storage would download the whole WAV first.
        handle = storage_files.open_stored(clip.wav)
    except FileNotFoundError:
        return None
    with handle:
        return analyse(handle)


def measure_stored(clip: Clip) -> Loudness | None:
    """The loudness and true peak of the clip's stored WAV; None when it is not in storage."""
    try:
        handle = storage_files.open_stored(clip.wav)
    except FileNotFoundError:
        return None
    with handle:
        return measure(handle)


def _analysed(clip: Clip) -> dict[str, object]:
    """What the clip's WAV says that the clip does not have yet (each part on its own: one that
    fails leaves the other)."""
    found: dict[str, object] = {}
    try:
        if clip.loudness_lufs is None and (loudness := measure_stored(clip)) is not None:
            found.update(loudness_lufs=loudness.lufs, true_peak_db=loudness.true_peak_db)
    except Exception:
        log.exception("clip %s: its WAV could not be read for loudness", clip.pk)
    try:
        if clip.tempo_bpm is None and not clip.key:
            result = analyse_stored(clip)
            if result is not None and result != UNANALYSED:
                found.update(tempo_bpm=result.tempo_bpm, key=result.key or "")  # "": not null
    except Exception:
        log.exception("clip %s: its WAV could not be read for tempo and key", clip.pk)
    return {name: value for name, value in found.items() if value is not None}


def analyse_takes(generation: Generation) -> int:
    """Measure the loudness, tempo and key of each stored WAV of a completed song that lacks
    them; how many clips gained something.

    From storage, after completing: the takes are playable without waiting for it (the temp
    file is gone by then). Never raises: storage that fails to answer leaves a clip without,
    for `manage.py analyse_loudness` and `analyse_tempo_key`; so does a stop request, rather
    than delay the stop.
    """
    done = 0
    for clip in generation.clips.exclude(wav=""):
        if stopping.requested():
            break
        if found := _analysed(clip):
            Clip.objects.filter(pk=clip.pk).update(**found)
            done += 1
    return done
