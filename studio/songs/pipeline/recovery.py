"""Submissions whose outcome we did not learn: a worker died around POST /music, or the answer
was lost. Never resend; find the job on the upstream and adopt it (DESIGN §5.1, §5.2)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.utils import timezone

from studio.flowmusic import FlowMusicClient, UpstreamError
from studio.songs import lifecycle
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import Generation
from studio.songs.pipeline.acceptance import UNKNOWN_MESSAGE, record_accepted
from studio.songs.pipeline.boundary import own_job

log = logging.getLogger(__name__)
Status = Generation.Status

# A claim older than this with no jobid means the worker died around POST /music.
STALE_SUBMIT = timedelta(minutes=2)
# A stems call takes up to 2 minutes, tried up to three times (pipeline/stems.py).
STEMS_STALE = timedelta(minutes=10)
STEMS_AGAIN = "The worker stopped while making stems; asking Flow Music again (safe for stems)."
# How far back adoption looks for an unknown submission.
ADOPTION_WINDOW = timedelta(hours=6)
CLOCK_SKEW = timedelta(seconds=30)
# After a lost answer, how often and how far apart the job list is read before giving up.
LOOKUP_TRIES = 3
LOOKUP_PAUSE = 1.0


def recover_stale_submissions() -> int:
    """A claim with no outcome becomes `unknown`, to be looked for (never resent); a stems
    call is simply asked again, which the upstream makes safe."""
    now = timezone.now()
    claimed = Generation.objects.filter(status=Status.SUBMITTING, jobid__isnull=True)
    stems = Generation.Operation.STEMS
    stale = claimed.exclude(operation=stems).filter(submit_started__lt=now - STALE_SUBMIT)
    recovered = sum(
        lifecycle.mark_unknown(pk, ErrorCode.INTERRUPTED, UNKNOWN_MESSAGE)
        for pk in list(stale.values_list("pk", flat=True))
    )
    cut_short = claimed.filter(operation=stems, submit_started__lt=now - STEMS_STALE)
    for pk in list(cut_short.values_list("pk", flat=True)):
        recovered += lifecycle.requeue(pk, timedelta(0), ErrorCode.INTERRUPTED, STEMS_AGAIN)
    return recovered


def adopt_unknown(client: FlowMusicClient) -> int:
    """Find the job of an `unknown` submission among the account's running jobs, and adopt it.

    A candidate is a running job on that account, created after our attempt, that no generation
    owns; it is adopted only when its echoed request carries our replyRef.
    """
    since = timezone.now() - ADOPTION_WINDOW
    unknown = list(
        Generation.objects.filter(
            status=Status.UNKNOWN, jobid__isnull=True, submit_started__gte=since
        ).exclude(account_email="")
    )
    if not unknown:
        return 0
    try:
        running = client.list_jobs()
    except UpstreamError:
        return 0
    owned = _owned_jobids()
    adopted = 0
    for generation in unknown:
        with own_job(generation.pk):  # a record that breaks adoption fails this song only
            jobid = _find_job(client, generation, running, owned)
            if jobid:
                owned.add(jobid)
                adopted += 1
                log.info("adopted job for generation %s", generation.pk)
    return adopted


def look_for(client: FlowMusicClient, generation: Generation, email: str) -> bool:
    """Right after a lost answer to POST /music: read the account's job list a few times and
    adopt our job if it is there (the credits were spent anyway; the song then completes)."""
    generation.account_email = email
    for attempt in range(LOOKUP_TRIES):
        if attempt:
            time.sleep(LOOKUP_PAUSE)
        try:
            running = client.list_jobs()
        except UpstreamError:
            continue
        if _find_job(client, generation, running, _owned_jobids()):
            log.info("found the job of generation %s after a lost answer", generation.pk)
            return True
    return False


def _owned_jobids() -> set[str]:
    owned = Generation.objects.filter(jobid__isnull=False).values_list("jobid", flat=True)
    return {jobid for jobid in owned if jobid}


def _find_job(
    client: FlowMusicClient, generation: Generation, running, owned: set[str]
) -> str | None:
    """The jobid adopted for `generation`, or None."""
    jobs = running.get(generation.account_email)
    started = generation.submit_started
    for entry in jobs.jobs if jobs else ():
        too_old = entry.created_at and started and entry.created_at < started - CLOCK_SKEW
        if entry.jobid in owned or too_old:
            continue
        try:
            job = client.get_job(entry.jobid)
        except UpstreamError:
            continue
        # Ours only if it echoes our replyRef, and is the job it was listed as (a record that
        # names another job, one a song of ours may already own, is not).
        if job.reply_ref != str(generation.pk) or job.jobid != entry.jobid:
            continue
        return job.jobid if record_accepted(generation, job, generation.account_email) else None
    return None
