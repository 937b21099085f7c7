"""Copy a completed job's media into our storage (DESIGN §5.7: media is ours).

Files are streamed to temporary files and moved into storage only when complete and checked, so
a worker killed mid-download leaves nothing half-written; a stored file is never fetched again.
A link the guard refuses, a file over its cap or deadline, or bytes that are not what they claim
fail the job at once (fetching again cannot help); a network failure is retried with backoff;
any failure at all counts toward the attempt limit (DESIGN §5 invariant 8). Once complete, the
takes' loudness, tempo and key are measured (media_files.analyse_takes).
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
from django.db.models import F
from django.utils import timezone

from studio.flowmusic import FlowMusicClient, UpstreamError
from studio.mediatypes import CLIP_FILES
from studio.songs import activity, lifecycle
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import Clip, Generation
from studio.songs.pipeline import leases, media_files
from studio.songs.pipeline.media_files import LABELS, BadMedia, sweep_partials
from studio.songs.pipeline.tracking import FETCH_LEASE
from studio.upstream.download import (
    DownloadFailed,
    DownloadRefused,
    Interrupted,
    TooLarge,
    TooSlow,
    media_client,
)

log = logging.getLogger(__name__)
Status = Generation.Status

MAX_FETCH_ATTEMPTS = 8
PARALLEL_DOWNLOADS = 4
# Failures that fetching again cannot mend.
FINAL = (DownloadRefused, TooLarge, TooSlow, BadMedia)

__all__ = ["store_files", "sweep_partials"]


@dataclass
class Round:
    """What one pass over a generation's missing files left to do."""

    fatal: str = ""
    retry: str = ""
    expired: bool = False
    stopped: bool = False  # the worker is shutting down: hand over, not a failure
    artwork: list[str] = field(default_factory=list)


def _missing(generation: Generation) -> list[tuple[Clip, str]]:
    return [
        (clip, name)
        for clip in generation.clips.all()
        for name in CLIP_FILES
        if getattr(clip, f"{name}_url") and not media_files.has(clip, name)
    ]


def _without_audio(generation: Generation) -> str:
    for clip in generation.clips.all():
        for name in ("audio", "wav"):
            if not getattr(clip, f"{name}_url") and not media_files.has(clip, name):
                return f"take {clip.slot} came without a link to {LABELS[name]}"
    return ""


def _download_all(http: httpx.Client, wanted: list[tuple[Clip, str]]):
    """Fetch the files side by side; only HTTP and temp files here, no database."""

    def fetch(item: tuple[Clip, str]) -> tuple[Clip, str, Path | Exception]:
        clip, name = item
        try:
            return clip, name, media_files.fetch(http, getattr(clip, f"{name}_url"), name)
        except DownloadFailed as exc:
            return clip, name, exc

    with ThreadPoolExecutor(max_workers=PARALLEL_DOWNLOADS) as pool:
        return list(pool.map(fetch, wanted))


def _one_round(http: httpx.Client, generation: Generation) -> Round:
    outcome = Round(fatal=_without_audio(generation))
    for clip, name, result in _download_all(http, _missing(generation)):
        problem: Exception | None = result if isinstance(result, Exception) else None
        if isinstance(result, Path):
            try:
                media_files.store(clip, name, result)
            except BadMedia as exc:
                problem = exc
        if problem is None:
            continue
        if isinstance(problem, Interrupted):
            outcome.stopped = True
        elif name == "image":  # artwork is optional: the take goes on without it
            Clip.objects.filter(pk=clip.pk).update(image_url="")
            outcome.artwork.append(f"artwork of take {clip.slot} not saved: {problem}")
        elif isinstance(problem, FINAL):
            outcome.fatal = outcome.fatal or f"{LABELS[name]} of take {clip.slot}: {problem}"
        elif getattr(problem, "expired", False):
            outcome.expired = True
        else:
            outcome.retry = outcome.retry or str(problem)
    return outcome


def _refresh_urls(client: FlowMusicClient, generation: Generation) -> None:
    """Signed links expire: read the job again for fresh ones (for this job's clips only)."""
    job = client.get_job(generation.jobid or "")
    for clip in job.clips:
        Clip.objects.filter(generation=generation, clip_id=clip.clip).update(
            audio_url=clip.audio_url, wav_url=clip.wav_url, image_url=clip.image_url or ""
        )


def _fetch_everything(client: FlowMusicClient, generation: Generation) -> Round:
    with media_client() as http:
        outcome = _one_round(http, generation)
        if outcome.expired and not (outcome.fatal or outcome.retry):
            try:  # the signed links expired: ask the upstream for fresh ones, once
                _refresh_urls(client, generation)
            except UpstreamError as lookup:
                outcome.retry = lookup.message
            else:
                again = _one_round(http, generation)
                again.artwork[:0] = outcome.artwork
                outcome = again
                if outcome.expired:
                    outcome.retry = outcome.retry or "the media links answered as expired"
    return outcome


def store_files(client: FlowMusicClient, generation_id: int) -> str | None:
    """Fetch every missing file of a `fetching` generation; completed once all are stored.

    One worker at a time per song: a second one (a download the reconciler restarted while the
    first still waited in the queue) would store each file again beside the first's copy.
    """
    name, holder = f"store-files-{generation_id}", uuid.uuid4().hex
    if not leases.take(name, holder, FETCH_LEASE):
        return None
    try:
        return _store_files(client, generation_id)
    finally:
        leases.drop(name, holder)


def _store_files(client: FlowMusicClient, generation_id: int) -> str | None:
    generation = Generation.objects.filter(pk=generation_id, status=Status.FETCHING).first()
    if generation is None:
        return None
    # Hold it for a while: if this worker dies, the reconciler takes it up after the lease.
    Generation.objects.filter(pk=generation.pk).update(
        fetch_attempts=generation.fetch_attempts + 1, next_poll=timezone.now() + FETCH_LEASE
    )
    sweep_partials()
    try:
        outcome = _fetch_everything(client, generation)
    except Exception as exc:  # whatever it was, it counts as a failed attempt of this job only
        log.exception("generation %s: saving files failed", generation.pk)
        outcome = Round(retry=f"an unexpected {type(exc).__name__}")
    if outcome.fatal:
        message = f"Flow Music sent a file we could not save: {outcome.fatal}. Use Retry."
        return _fail(generation, ErrorCode.BAD_MEDIA, message)
    if outcome.stopped:
        # Not an attempt: the next worker to start takes it up at once.
        Generation.objects.filter(pk=generation.pk, status=Status.FETCHING).update(
            fetch_attempts=F("fetch_attempts") - 1, next_poll=timezone.now()
        )
        return Status.FETCHING
    if outcome.retry:
        return _fetch_failed(generation, outcome.retry)
    note = "; ".join(outcome.artwork)
    if lifecycle.complete(generation.pk, note=note[:1].upper() + note[1:]):
        activity.record_made(generation)
        # After completing: the takes are playable without waiting for it, and it cannot fail
        # the song that it only describes.
        media_files.analyse_takes(generation)
    return Status.COMPLETED


def _fail(generation: Generation, code: ErrorCode, message: str) -> str:
    log.warning("generation %s: %s", generation.pk, message)
    if lifecycle.fail(generation.pk, code, message, only_from=Status.FETCHING):
        media_files.discard(generation)
    return Status.FAILED


def _fetch_failed(generation: Generation, reason: str) -> str:
    """Leave it `fetching` to be retried, unless it has failed too often."""
    if generation.fetch_attempts + 1 >= MAX_FETCH_ATTEMPTS:
        message = f"The song was made but its files could not be saved ({reason})."
        return _fail(generation, ErrorCode.DOWNLOAD, message)
    log.warning("generation %s: %s", generation.pk, reason)
    delay = timedelta(seconds=min(5 * 2**generation.fetch_attempts, 600))
    Generation.objects.filter(pk=generation.pk).update(
        error_message=f"Saving files failed ({reason}); retrying.", next_poll=timezone.now() + delay
    )
    return Status.FETCHING
