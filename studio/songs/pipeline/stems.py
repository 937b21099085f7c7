"""Stems of a take: POST /music/edit operation=stems, from a worker, never a web request.

It is the one upstream call that answers synchronously (15 s to 2 minutes) and the one creating
call that is safe to send again: asking again for the same clip returns the same four stems, so a
dropped or timed-out answer is retried here (DESIGN §5.1's exception, UPSTREAM.md). The answer is
a completed job record; from there the stems are stored like any take.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from studio.enqueue import enqueue
from studio.flowmusic import (
    TRANSIENT,
    AccountError,
    EditRequest,
    FlowMusicClient,
    InsufficientCredits,
    RateLimited,
    UpstreamError,
)
from studio.songs import lifecycle
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import Generation
from studio.songs.pipeline import tracking
from studio.songs.pipeline.acceptance import record_accepted

log = logging.getLogger(__name__)
Status = Generation.Status

TIMEOUT = 150.0  # the upstream says up to 2 minutes; three tries fit in the task timeout
TRIES = 3
PAUSE = 2.0
# A claimed stems call older than this was cut short by a dead worker: ask again (it is safe).
STALE = timedelta(seconds=TRIES * (TIMEOUT + PAUSE * TRIES) + 60)
MAKING = "Making stems: Flow Music takes 15 seconds to 2 minutes…"


def stems_request(generation: Generation) -> EditRequest:
    return EditRequest(
        operation=Generation.Operation.STEMS,
        clip=generation.source_clip.clip_id,  # type: ignore[union-attr]
        options={},
        title=generation.title or None,
        reply_ref=str(generation.pk),
    )


def make_stems(generation_id: int) -> str | None:
    """Ask for a claimed stems generation's stems and queue their files; returns its new status."""
    generation = (
        Generation.objects.select_related("source_clip")
        .filter(pk=generation_id, status=Status.SUBMITTING, operation=Generation.Operation.STEMS)
        .first()
    )
    if generation is None or generation.source_clip is None:
        return None
    request = stems_request(generation)
    Generation.objects.filter(pk=generation.pk).update(
        request=request.to_json(), error_message=MAKING
    )
    with FlowMusicClient.from_settings(timeout=TIMEOUT) as client:
        try:
            job = _ask(client, request)
        except UpstreamError as exc:
            return _refused(generation, exc)
        if Generation.objects.filter(jobid=job.jobid).exclude(pk=generation.pk).exists():
            # Asked twice at once: the same stems belong to the first request.
            message = "These stems were already being made for this take; see its Stems."
            lifecycle.fail(generation.pk, ErrorCode.UPSTREAM, message, only_from=Status.SUBMITTING)
            return Status.FAILED
        if not record_accepted(generation, job, generation.account_email):
            return Generation.objects.get(pk=generation.pk).status
        status = tracking.apply_job(Generation.objects.get(pk=generation.pk), job)
        if status == Status.FETCHING:
            enqueue("ingest", generation.pk)  # stored on the ingest cluster, like any take
        return status


def _ask(client: FlowMusicClient, request: EditRequest):
    """The call, again after a drop, a timeout or a 5xx (the same stems come back)."""
    for attempt in range(1, TRIES + 1):
        try:
            return client.make_stems(request)
        except UpstreamError as exc:
            if exc.kind != TRANSIENT or isinstance(exc, RateLimited) or attempt == TRIES:
                raise
            log.info("stems: %s; asking again (attempt %s)", exc.message, attempt + 1)
            time.sleep(PAUSE * attempt)
    raise AssertionError("unreachable")


def _refused(generation: Generation, exc: UpstreamError) -> str:
    pk = generation.pk
    if isinstance(exc, RateLimited) or exc.kind == TRANSIENT:
        # Busy, or no answer three times: wait and ask again later (still safe).
        delay = timedelta(seconds=exc.retry_after or 30 * (generation.rate_limited + 1))
        lifecycle.requeue(pk, delay, ErrorCode.of(exc), exc.message, rate_limited=True)
        return Status.QUEUED
    message = exc.message
    if isinstance(exc, InsufficientCredits | AccountError):
        message += " Stems run on the take's own account."
    lifecycle.fail(pk, ErrorCode.of(exc), message, only_from=Status.SUBMITTING)
    return Status.FAILED
