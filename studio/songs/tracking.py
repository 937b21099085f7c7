"""Following accepted jobs to the end (DESIGN §5.2): polls, webhooks, adoption of lost jobs.

Every step reads its state from the database, so a worker killed anywhere resumes here.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from studio.flowmusic import FlowMusicClient, Job, NotFound, UpstreamError
from studio.songs import search, submit
from studio.songs.models import Clip, Generation

log = logging.getLogger(__name__)
S = Generation.Status

MAX_POLL_INTERVAL = 30.0
POLL_GROWTH = 1.5
POLL_CONCURRENCY = 4
POLL_BATCH = 40
# Jobs are kept upstream about a week; a 404 after that means it is gone for good.
UPSTREAM_RETENTION = timedelta(days=7)
# A claim older than this with no jobid means the worker died around POST /music.
STALE_SUBMIT = timedelta(minutes=2)
# How far back adoption looks for an unknown submission.
ADOPTION_WINDOW = timedelta(hours=6)
CLOCK_SKEW = timedelta(seconds=30)
# The finder of a completed job fetches its files; others wait this long before stepping in.
FETCH_LEASE = timedelta(minutes=2)


def apply_job(generation: Generation, job: Job) -> str:
    """Move a running generation along from a fresh job record; returns the new status."""
    now = timezone.now()
    if job.status == "completed":
        with transaction.atomic():
            moved = Generation.objects.filter(pk=generation.pk, status=S.RUNNING).update(
                status=S.FETCHING,
                result=submit.job_record(job),
                next_poll=now + FETCH_LEASE,
                upstream_completed=job.completed_at or now,
            )
            if moved:
                _create_clips(generation, job)
                search.refresh(generation.pk)
        return S.FETCHING if moved else Generation.objects.get(pk=generation.pk).status
    if job.status == "failed":
        error = job.error
        Generation.objects.filter(pk=generation.pk, status=S.RUNNING).update(
            status=S.FAILED,
            result=submit.job_record(job),
            finished=now,
            next_poll=None,
            error_code=error.code if error else "failed",
            error_message=(error.message if error else "Flow Music ended the job without audio.")
            + ". Try a different prompt or retry.",
        )
        return S.FAILED
    interval = min(generation.poll_interval * POLL_GROWTH, MAX_POLL_INTERVAL)
    Generation.objects.filter(pk=generation.pk, status=S.RUNNING).update(
        poll_interval=interval, next_poll=now + timedelta(seconds=interval)
    )
    return S.RUNNING


def _create_clips(generation: Generation, job: Job) -> None:
    for slot, clip in zip(Clip.Slot.values, job.clips[:2], strict=False):
        Clip.objects.get_or_create(
            clip_id=clip.clip,
            defaults={
                "generation": generation,
                "slot": slot,
                "title": clip.title or "",
                "duration_s": clip.duration_s,
                "lyrics": clip.lyrics or "",
                "lyrics_timing": [list(pair) for pair in clip.lyrics_timing]
                if clip.lyrics_timing is not None
                else None,
                "seed": clip.seed,
                "audio_url": clip.audio_url,
                "wav_url": clip.wav_url,
                "image_url": clip.image_url or "",
            },
        )


def handle_lookup_error(generation: Generation, exc: UpstreamError) -> None:
    now = timezone.now()
    if (
        isinstance(exc, NotFound)
        and generation.accepted
        and (now - generation.accepted > UPSTREAM_RETENTION)
    ):
        Generation.objects.filter(pk=generation.pk, status=S.RUNNING).update(
            status=S.FAILED,
            error_code="expired",
            finished=now,
            next_poll=None,
            error_message="Expired upstream: Flow Music no longer knows this job.",
        )
        return
    interval = min(generation.poll_interval * 2, MAX_POLL_INTERVAL * 2)
    Generation.objects.filter(pk=generation.pk, status=S.RUNNING).update(
        poll_interval=interval, next_poll=now + timedelta(seconds=interval)
    )


def check_job(client: FlowMusicClient, generation_id: int) -> str | None:
    """Look at one running job now (webhook, or a due poll)."""
    generation = Generation.objects.filter(pk=generation_id, status=S.RUNNING).first()
    if generation is None or not generation.jobid:
        return None
    try:
        job = client.get_job(generation.jobid)
    except UpstreamError as exc:
        handle_lookup_error(generation, exc)
        return S.RUNNING
    return apply_job(generation, job)


def poll_due(client: FlowMusicClient) -> list[int]:
    """GET the due running jobs (a few at a time); returns the ids that finished upstream."""
    due = list(
        Generation.objects.filter(status=S.RUNNING, next_poll__lte=timezone.now()).order_by(
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
        if isinstance(answer, UpstreamError):
            handle_lookup_error(generation, answer)
        elif apply_job(generation, answer) == S.FETCHING:
            finished.append(generation.pk)
    return finished


def recover_stale_submissions() -> int:
    """A claim with no outcome: the worker died around POST /music. Never resend; find out."""
    cutoff = timezone.now() - STALE_SUBMIT
    return Generation.objects.filter(
        status=S.SUBMITTING, jobid__isnull=True, submit_started__lt=cutoff
    ).update(status=S.UNKNOWN, error_code="interrupted", error_message=submit.UNKNOWN_MESSAGE)


def adopt_unknown(client: FlowMusicClient) -> int:
    """Find the job of an `unknown` submission among the account's running jobs, and adopt it.

    A candidate is a running job on that account, created after our attempt, that no generation
    owns; it is adopted only when its echoed request carries our replyRef.
    """
    since = timezone.now() - ADOPTION_WINDOW
    unknown = list(
        Generation.objects.filter(
            status=S.UNKNOWN, jobid__isnull=True, submit_started__gte=since
        ).exclude(account_email="")
    )
    if not unknown:
        return 0
    try:
        running = client.list_jobs()
    except UpstreamError:
        return 0
    owned = set(Generation.objects.filter(jobid__isnull=False).values_list("jobid", flat=True))
    adopted = 0
    for generation in unknown:
        jobs = running.get(generation.account_email)
        for entry in jobs.jobs if jobs else ():
            started = generation.submit_started
            if entry.jobid in owned or (
                entry.created_at and started and entry.created_at < started - CLOCK_SKEW
            ):
                continue
            try:
                job = client.get_job(entry.jobid)
            except UpstreamError:
                continue
            if str(job.request.get("replyRef")) != str(generation.pk):
                continue
            if submit.record_accepted(generation.pk, job, generation.account_email):
                owned.add(job.jobid)
                adopted += 1
                log.info("adopted job for generation %s", generation.pk)
            break
    return adopted
