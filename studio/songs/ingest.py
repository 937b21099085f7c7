"""Copy a completed job's media into our storage (DESIGN §5.7: media is ours).

Files are streamed to a temporary file in chunks and moved into storage only when complete, so
a worker killed mid-download leaves nothing half-written; a stored file is never fetched again.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np
from django.conf import settings
from django.core.files import File
from django.utils import timezone

from studio.flowmusic import FlowMusicClient, UpstreamError
from studio.songs.models import Clip, Generation
from studio.songs.tracking import FETCH_LEASE

log = logging.getLogger(__name__)
S = Generation.Status

CHUNK = 256 * 1024
PEAK_POINTS = 800
MAX_FETCH_ATTEMPTS = 8
EXTENSIONS = {"audio": ".m4a", "wav": ".wav", "image": ".jpg"}
FIELDS = tuple(EXTENSIONS)
PARALLEL_DOWNLOADS = 4
# No download takes this long; an older partial file was left by a worker that died.
PARTIAL_MAX_AGE = timedelta(hours=1)


class DownloadFailed(Exception):
    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class _TempFile(File):
    """A finished download; storage moves it into place instead of copying it."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def _tmp_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sweep_partials(older_than: timedelta = PARTIAL_MAX_AGE) -> int:
    """Delete downloads that a killed worker left half-written."""
    cutoff = time.time() - older_than.total_seconds()
    stale = [p for p in _tmp_dir().glob("*.part") if p.stat().st_mtime <= cutoff]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def download(http: httpx.Client, url: str) -> Path:
    """Stream `url` to a temporary file under MEDIA_ROOT; the size must match Content-Length."""
    fd, name = tempfile.mkstemp(dir=_tmp_dir(), suffix=".part")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, http.stream("GET", url) as response:
            if response.status_code in (401, 403, 404, 410):
                raise DownloadFailed(f"media link answered {response.status_code}", expired=True)
            if response.status_code != 200:
                raise DownloadFailed(f"media link answered {response.status_code}")
            for chunk in response.iter_bytes(CHUNK):
                out.write(chunk)
            expected = response.headers.get("Content-Length")
        if expected is not None and path.stat().st_size != int(expected):
            raise DownloadFailed("download ended early")
    except (httpx.HTTPError, DownloadFailed) as exc:
        path.unlink(missing_ok=True)
        if isinstance(exc, DownloadFailed):
            raise
        raise DownloadFailed(f"download failed: {type(exc).__name__}") from None
    return path


def waveform_peaks(path: str | Path, points: int = PEAK_POINTS) -> list[float]:
    """Peak amplitude (0..1) of `points` equal slices of a 16-bit PCM WAV, read in chunks."""
    with wave.open(str(path), "rb") as wav:
        frames, channels = wav.getnframes(), wav.getnchannels()
        if frames == 0 or wav.getsampwidth() != 2:
            return []
        per_point = max(frames / points, 1.0)
        peaks = np.zeros(points, dtype=np.float32)
        position = 0
        while True:
            data = wav.readframes(65536)
            if not data:
                break
            samples = np.abs(np.frombuffer(data, dtype="<i2").reshape(-1, channels).max(axis=1))
            index = ((position + np.arange(len(samples))) / per_point).astype(int)
            np.maximum.at(peaks, np.minimum(index, points - 1), samples.astype(np.float32))
            position += len(samples)
    top = float(peaks.max()) or 1.0
    return [round(float(p) / top, 3) for p in peaks]


def _store(clip: Clip, field: str, path: Path) -> None:
    name = f"{clip.generation_id}-{clip.slot}{EXTENSIONS[field]}"
    with open(path, "rb") as handle:
        getattr(clip, field).save(name, _TempFile(handle, name=str(path)), save=False)
    path.unlink(missing_ok=True)
    updates = {field: getattr(clip, field).name}
    if field == "wav":
        updates["peaks"] = waveform_peaks(getattr(clip, field).path)
        clip.peaks = updates["peaks"]
    Clip.objects.filter(pk=clip.pk).update(**updates)


def _has(clip: Clip, field: str) -> bool:
    stored = getattr(clip, field)
    return bool(stored.name) and stored.storage.exists(stored.name)


def _refresh_urls(client: FlowMusicClient, generation: Generation) -> None:
    """Signed links expire: read the job again for fresh ones."""
    job = client.get_job(generation.jobid or "")
    for clip in job.clips:
        Clip.objects.filter(clip_id=clip.clip).update(
            audio_url=clip.audio_url, wav_url=clip.wav_url, image_url=clip.image_url or ""
        )


def _missing(generation: Generation) -> list[tuple[Clip, str]]:
    return [
        (clip, field)
        for clip in generation.clips.all()
        for field in FIELDS
        if getattr(clip, f"{field}_url") and not _has(clip, field)
    ]


def _download_all(
    http: httpx.Client, wanted: list[tuple[Clip, str]]
) -> list[tuple[Clip, str, Path | DownloadFailed]]:
    """Fetch the files side by side; only HTTP and temp files here, no database."""

    def fetch(item: tuple[Clip, str]) -> tuple[Clip, str, Path | DownloadFailed]:
        clip, field = item
        try:
            return clip, field, download(http, getattr(clip, f"{field}_url"))
        except DownloadFailed as exc:
            return clip, field, exc

    with ThreadPoolExecutor(max_workers=PARALLEL_DOWNLOADS) as pool:
        return list(pool.map(fetch, wanted))


def ingest(client: FlowMusicClient, generation_id: int) -> str | None:
    """Fetch every missing file of a `fetching` generation; completed once all are stored."""
    generation = Generation.objects.filter(pk=generation_id, status=S.FETCHING).first()
    if generation is None:
        return None
    # Hold it for a while: if this worker dies, the reconciler takes it up after the lease.
    Generation.objects.filter(pk=generation.pk).update(
        fetch_attempts=generation.fetch_attempts + 1, next_poll=timezone.now() + FETCH_LEASE
    )
    sweep_partials()
    # The signed URLs need no token, and may point at another host: a plain client.
    with httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True) as http:
        for attempt in range(2):
            failures = []
            for clip, field, result in _download_all(http, _missing(generation)):
                if isinstance(result, DownloadFailed):
                    failures.append(result)
                else:
                    _store(clip, field, result)
            if not failures:
                break
            if attempt or not all(f.expired for f in failures):
                return _fetch_failed(generation, str(failures[0]))
            try:  # the signed links expired: ask the upstream for fresh ones, once
                _refresh_urls(client, generation)
            except UpstreamError as lookup:
                return _fetch_failed(generation, lookup.message)
    Generation.objects.filter(pk=generation.pk, status=S.FETCHING).update(
        status=S.COMPLETED, finished=timezone.now(), error_message=""
    )
    return S.COMPLETED


def _fetch_failed(generation: Generation, reason: str) -> str:
    """Leave it `fetching` to be retried, unless it has failed too often."""
    log.warning("generation %s: %s", generation.pk, reason)
    if generation.fetch_attempts + 1 >= MAX_FETCH_ATTEMPTS:
        Generation.objects.filter(pk=generation.pk, status=S.FETCHING).update(
            status=S.FAILED,
            error_code="download",
            finished=timezone.now(),
            error_message=f"The song was made but its files could not be saved ({reason}).",
        )
        return S.FAILED
    delay = timedelta(seconds=min(5 * 2**generation.fetch_attempts, 600))
    Generation.objects.filter(pk=generation.pk).update(
        error_message=f"Saving files failed ({reason}); retrying.", next_poll=timezone.now() + delay
    )
    return S.FETCHING
