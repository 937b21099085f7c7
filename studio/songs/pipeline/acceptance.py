"""Recording that the upstream accepted a job: from POST /music's answer, or by adoption."""

from __future__ import annotations

from dataclasses import asdict

from studio.flowmusic import Job
from studio.songs import lifecycle
from studio.songs.credits import ledger

FIRST_POLL = 5.0
UNKNOWN_MESSAGE = (
    "Flow Music did not answer in time, and its job list does not show this song, so we cannot "
    "tell whether it accepted it (credits may have been spent). We keep looking; if it does not "
    "appear, use Retry to submit it again."
)


def job_record(job: Job) -> dict:
    return asdict(job)


def record_accepted(pk: int, job: Job, email: str) -> bool:
    """Store the jobid (→ running) and its expected cost in the ledger; False if another path
    already did."""
    won = lifecycle.accept(
        pk, jobid=job.jobid, email=job.email or email, result=job_record(job), first_poll=FIRST_POLL
    )
    if won:
        ledger.record_expected(pk)
    return won
