"""Copy a completed job's media into our storage (DESIGN §5.7: media is ours).

Files are streamed to a temporary file and moved into storage only when complete, so a worker
killed mid-download leaves nothing half-written; a stored file is never fetched again.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
from django.conf import settings
from django.core.files import File
from django.utils import timezone

from studio.flowmusic import FlowMusicClient, UpstreamError
from studio.mediatypes import CLIP_FILES, extension
from studio.songs import lifecycle
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import Clip, Generation
from studio.songs.pipeline.peaks import waveform_peaks
from studio.songs.pipeline.tracking import FETCH_LEASE
from studio.upstream.download import DownloadFailed, download, media_client

log = logging.getLogger(__name__)
Status = Generation.Status

MAX_FETCH_ATTEMPTS = 8
PARALLEL_DOWNLOADS = 4
# No download takes this long; an older partial file was left by a worker that died.
PARTIAL_MAX_AGE = timedelta(hours=1)


class _TempFile(File):
    """A finished download; storage moves it into place instead of copying it."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def tmp_dir() -> Path:
    """Where downloads are written until complete (in MEDIA_ROOT, so a move is a rename)."""
    return Path(settings.MEDIA_ROOT) / "tmp"


def sweep_partials(older_than: timedelta = PARTIAL_MAX_AGE) -> int:
    """Delete downloads that a killed worker left half-written."""
    cutoff = time.time() - older_than.total_seconds()
    folder = tmp_dir()
    stale = [p for p in folder.glob("*.part") if p.stat().st_mtime <= cutoff]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def _store(clip: Clip, field: str, path: Path) -> None:
    name = f"{clip.generation_id}-{clip.slot}{extension(CLIP_FILES[field])}"
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
        for field in CLIP_FILES
        if getattr(clip, f"{field}_url") and not _has(clip, field)
    ]


def _download_all(
    http: httpx.Client, wanted: list[tuple[Clip, str]]
) -> list[tuple[Clip, str, Path | DownloadFailed]]:
    """Fetch the files side by side; only HTTP and temp files here, no database."""
    folder = tmp_dir()

    def fetch(item: tuple[Clip, str]) -> tuple[Clip, str, Path | DownloadFailed]:
        clip, field = item
        try:
            return clip, field, download(http, getattr(clip, f"{field}_url"), folder)
        except DownloadFailed as exc:
            return clip, field, exc

    with ThreadPoolExecutor(max_workers=PARALLEL_DOWNLOADS) as pool:
        return list(pool.map(fetch, wanted))


def store_files(client: FlowMusicClient, generation_id: int) -> str | None:
    """Fetch every missing file of a `fetching` generation; completed once all are stored."""
    generation = Generation.objects.filter(pk=generation_id, status=Status.FETCHING).first()
    if generation is None:
        return None
    # Hold it for a while: if this worker dies, the reconciler takes it up after the lease.
    Generation.objects.filter(pk=generation.pk).update(
        fetch_attempts=generation.fetch_attempts + 1, next_poll=timezone.now() + FETCH_LEASE
    )
    sweep_partials()
    with media_client() as http:
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
    lifecycle.complete(generation.pk)
    return Status.COMPLETED


def _fetch_failed(generation: Generation, reason: str) -> str:
    """Leave it `fetching` to be retried, unless it has failed too often."""
    log.warning("generation %s: %s", generation.pk, reason)
    if generation.fetch_attempts + 1 >= MAX_FETCH_ATTEMPTS:
        message = f"The song was made but its files could not be saved ({reason})."
        lifecycle.fail(generation.pk, ErrorCode.DOWNLOAD, message, only_from=Status.FETCHING)
        return Status.FAILED
    delay = timedelta(seconds=min(5 * 2**generation.fetch_attempts, 600))
    Generation.objects.filter(pk=generation.pk).update(
        error_message=f"Saving files failed ({reason}); retrying.", next_poll=timezone.now() + delay
    )
    return Status.FETCHING
