"""Recording that the upstream accepted a job: from POST /music's answer, or by adoption.

A webhook can come before that record (a quick job, a slow answer): early_webhook keeps it, and
record_accepted looks at the job at once rather than dropping it for the first poll.
"""

from __future__ import annotations

from dataclasses import asdict

from django.utils import timezone

from studio.enqueue import enqueue
from studio.flowmusic import Job
from studio.songs import lifecycle
from studio.songs.credits import ledger
from studio.songs.models import Generation
from studio.songs.pipeline import polling

Status = Generation.Status
UNKNOWN_MESSAGE = (
    "Flow Music did not answer in time, and its job list does not show this song, so we cannot "
    "tell whether it accepted it (credits may have been spent). We keep looking; if it does not "
    "appear, use Retry to submit it again."
)


def job_record(job: Job) -> dict:
    return asdict(job)


def record_accepted(generation: Generation, job: Job, email: str) -> bool:
    """Store the jobid (→ running) and its expected cost in the ledger; False if another path
    already did."""
    pk = generation.pk
    won = lifecycle.accept(
        pk,
        jobid=job.jobid,
        email=job.email or email,
        result=job_record(job),
        first_poll=polling.first_look(generation.operation),
        poll_interval=polling.BACKOFF_FROM,
    )
    if won:
        ledger.record_expected(pk)
        # A webhook came first (its mark survived accept): look now, as it asked.
        if Generation.objects.filter(pk=pk, next_poll__lte=timezone.now()).exists():
            enqueue("check_job", pk)
    return won


def early_webhook(pk: int) -> bool:
    """A webhook for a job still being submitted (no jobid yet, or `unknown`): mark its first
    look due now, for record_accepted to see. False when it no longer waits for a jobid."""
    waiting = Generation.objects.filter(
        pk=pk, status__in=(Status.SUBMITTING, Status.UNKNOWN), jobid__isnull=True
    )
    return bool(waiting.update(next_poll=timezone.now()))
