"""Following accepted jobs to the end (DESIGN §5.2): due polls and "look now" from webhooks.

Every step reads its state from the database, so a worker killed anywhere resumes here.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from studio.flowmusic import Clip as JobClip
from studio.flowmusic import FlowMusicClient, Job, MalformedResponse, NotFound, UpstreamError
from studio.songs import lifecycle, search
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import Clip, Generation
from studio.songs.pipeline import polling
from studio.songs.pipeline.acceptance import job_record
from studio.songs.pipeline.boundary import fail_unreadable, own_job

log = logging.getLogger(__name__)
Status = Generation.Status

POLL_CONCURRENCY = 4
POLL_BATCH = 40
# Jobs are kept upstream about a week; a 404 after that means it is gone for good.
UPSTREAM_RETENTION = timedelta(days=7)
# The finder of a completed job fetches its files; others wait this long before stepping in.
FETCH_LEASE = timedelta(minutes=2)
MODERATION_CODE = "moderation_reject"
MODERATED_MESSAGE = (
    "Flow Music's content filter blocked this song ({reason}). Change the prompt or lyrics: "
    "leave out real artists' names, lyrics you did not write and explicit words, then create "
    "it again."
)


def apply_job(generation: Generation, job: Job) -> str | None:
    """Move a running generation along from a fresh job record; returns the new status, or None
    when another look (a webhook's, a poll) moved it to `fetching` first and queues its files."""
    if job.is_completed:
        with transaction.atomic():
            moved = lifecycle.mark_fetching(
                generation.pk,
                result=job_record(job),
                completed_at=job.completed_at or timezone.now(),
                lease=FETCH_LEASE,
            )
            if moved:
                _create_clips(generation, job)
                search.refresh(generation.pk)
        return Status.FETCHING if moved else None
    if job.is_failed:
        code, message = _failure(job)
        lifecycle.fail(
            generation.pk, code, message, only_from=Status.RUNNING, result=job_record(job)
        )
        return Status.FAILED
    _poll_later(generation, polling.next_interval(generation.poll_interval))
    return Status.RUNNING


def _failure(job: Job) -> tuple[ErrorCode, str]:
    """Why the upstream ended the job, as a sentence, and what to do next."""
    error = job.error
    reason = (error.message if error else "Flow Music ended the job without audio").strip()
    reason = reason[:1].upper() + reason[1:].rstrip(".")
    if error and error.code == MODERATION_CODE:
        # The same words would be declined again: a retry cannot help, new words can.
        return ErrorCode.MODERATED, MODERATED_MESSAGE.format(reason=reason[:1].lower() + reason[1:])
    return ErrorCode.JOB_FAILED, f"{reason}. Try again, or change the prompt."


def _poll_later(generation: Generation, interval: float) -> None:
    Generation.objects.filter(pk=generation.pk, status=Status.RUNNING).update(
        poll_interval=interval, next_poll=timezone.now() + timedelta(seconds=interval)
    )


def _slots(generation: Generation, job: Job) -> list[tuple[str, JobClip]]:
    """Which slot each clip of the record fills: A/B takes, or a stem by its title's suffix
    (`<title> - drums`), else by its place."""
    if generation.operation != Generation.Operation.STEMS:
        return list(zip(Clip.TAKES, job.clips[:2], strict=False))
    by_name = {}
    for clip in job.clips:
        suffix = (clip.title or "").rsplit(" - ", 1)[-1].strip().lower()
        if suffix in Clip.STEMS and suffix not in by_name:
            by_name[suffix] = clip
    if len(by_name) == len(Clip.STEMS):
        return [(slot, by_name[slot]) for slot in Clip.STEMS]
    return list(zip(Clip.STEMS, job.clips[:4], strict=False))


def _title(generation: Generation, clip: JobClip, slot: str) -> str:
    source = generation.source_clip
    if generation.operation == Generation.Operation.STEMS and source and source.title:
        return f"{source.title} - {slot}"[:200]  # named after our take, as renamed here
    return generation.title or clip.title or ""


def _create_clips(generation: Generation, job: Job) -> None:
    # POST /music has no title field: a title the user gave names the takes.
    for slot, clip in _slots(generation, job):
        timing = clip.lyrics_timing
        Clip.objects.get_or_create(
            clip_id=clip.clip,
            defaults={
                "generation": generation,
                "slot": slot,
                "title": _title(generation, clip, slot),
                "duration_s": clip.duration_s,
                "lyrics": clip.lyrics or "",
                "lyrics_timing": [list(pair) for pair in timing] if timing is not None else None,
                "seed": clip.seed,
                "audio_url": clip.audio_url,
                "wav_url": clip.wav_url,
                "image_url": clip.image_url or "",
            },
        )


def handle_lookup_error(generation: Generation, exc: UpstreamError) -> None:
    """A failed GET /jobs/{id}: look again later, unless the job is past its retention."""
    if isinstance(exc, MalformedResponse):
        fail_unreadable(generation.pk, exc.detail or exc.message)
        return
    accepted = generation.accepted
    if isinstance(exc, NotFound) and accepted and timezone.now() - accepted > UPSTREAM_RETENTION:
        message = "Expired upstream: Flow Music no longer knows this job."
        lifecycle.fail(generation.pk, ErrorCode.EXPIRED, message, only_from=Status.RUNNING)
        return
    _poll_later(generation, min(generation.poll_interval * 2, polling.MAX_POLL_INTERVAL * 2))


def look_now(client: FlowMusicClient, generation_id: int) -> str | None:
    """Look at one running job now (a webhook said so); returns its new status."""
    generation = Generation.objects.filter(pk=generation_id, status=Status.RUNNING).first()
    if generation is None or not generation.jobid:
        return None
    try:
        job = client.get_job(generation.jobid)
    except UpstreamError as exc:
        handle_lookup_error(generation, exc)
        return Generation.objects.get(pk=generation.pk).status
    with own_job(generation.pk):
        return apply_job(generation, job)
    return Status.FAILED


def poll_due(client: FlowMusicClient) -> list[int]:
    """GET the due running jobs (a few at a time); returns the ids that finished upstream."""
    due = list(
        Generation.objects.filter(status=Status.RUNNING, next_poll__lte=timezone.now()).order_by(
            "next_poll"
        )[:POLL_BATCH]
    )
    if not due:
        return []

    def fetch(generation: Generation) -> Job | UpstreamError:
        try:
            return client.get_job(generation.jobid or "")
        except UpstreamError as exc:
            return exc

    # Only the HTTP calls run in threads; the database is written from this thread.
    with ThreadPoolExecutor(max_workers=POLL_CONCURRENCY) as pool:
        answers = list(pool.map(fetch, due))
    finished = []
    for generation, answer in zip(due, answers, strict=True):
        with own_job(generation.pk):
            if isinstance(answer, UpstreamError):
                handle_lookup_error(generation, answer)
            elif apply_job(generation, answer) == Status.FETCHING:
                finished.append(generation.pk)
    return finished
