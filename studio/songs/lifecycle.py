"""The only code that changes a job's status (DESIGN §3, STYLE "State machines").

Each move is a compare-and-set: it reads the current status, checks it against the table of
allowed moves, and updates the row only if the status is still the one it read; it returns
whether it won. A won move of a Generation also writes a GenerationEvent, so "what happened to
my song" always has an answer. Callers decide and do the I/O; they never write `status=`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from studio.songs.models import CoverArtJob, Generation, GenerationEvent, LyricsDraft, side_jobs
from studio.upstream import errors

Status = Generation.Status


class ErrorCode(models.TextChoices):
    """Why a job stopped or waits; stored in `error_code`, never parsed from a message."""

    BAD_REQUEST = "bad_request", "Rejected by the upstream"
    UNAUTHORIZED = "unauthorized", "API token rejected"
    NO_CREDITS = "no_credits", "No credits left"
    FORBIDDEN = "forbidden", "Belongs to another account"
    NOT_FOUND = "not_found", "Unknown upstream item"
    TOO_LARGE = "too_large", "File too large"
    MODERATED = "moderated", "Blocked by the content filter"
    NO_LYRICS = "no_lyrics", "No lyrics written"
    IMAGE_DECLINED = "image_declined", "Image prompt declined"
    RATE_LIMITED = "rate_limited", "Upstream busy"
    ACCOUNT_ERROR = "account_error", "Account in error state"
    SERVER_ERROR = "server_error", "Upstream failure"
    TIMEOUT = "timeout", "No answer in time"
    CONNECTION = "connection", "Connection failed"
    UPSTREAM = "upstream", "Refused by the upstream"
    UNREACHABLE = "unreachable", "Upstream unreachable, waiting"
    NO_ACCOUNT = "no_account", "No account can take songs"
    NO_ANSWER = "no_answer", "Outcome unknown"
    INTERRUPTED = "interrupted", "Worker stopped while sending"
    JOB_FAILED = "job_failed", "The upstream job failed"
    EXPIRED = "expired", "Expired upstream"
    DOWNLOAD = "download", "Files could not be saved"
    BAD_MEDIA = "bad_media", "Unusable files"
    MALFORMED = "malformed", "Unreadable job record"
    EMPTY = "empty", "Nothing came back"
    STALLED = "stalled", "Took too long"
    OVER_BUDGET = "over_budget", "Over the monthly budget"

    @classmethod
    def of(cls, exc: errors.UpstreamError) -> ErrorCode:
        return next(
            (code for kind, code in _ERROR_CODES.items() if isinstance(exc, kind)), cls.UPSTREAM
        )


_ERROR_CODES: dict[type[errors.UpstreamError], ErrorCode] = {
    errors.BadRequest: ErrorCode.BAD_REQUEST,
    errors.Unauthorized: ErrorCode.UNAUTHORIZED,
    errors.InsufficientCredits: ErrorCode.NO_CREDITS,
    errors.Forbidden: ErrorCode.FORBIDDEN,
    errors.NotFound: ErrorCode.NOT_FOUND,
    errors.PayloadTooLarge: ErrorCode.TOO_LARGE,
    errors.Moderated: ErrorCode.MODERATED,
    errors.NoLyrics: ErrorCode.NO_LYRICS,
    errors.ImageDeclined: ErrorCode.IMAGE_DECLINED,
    errors.RateLimited: ErrorCode.RATE_LIMITED,
    errors.AccountError: ErrorCode.ACCOUNT_ERROR,
    errors.ServerError: ErrorCode.SERVER_ERROR,
    errors.UpstreamTimeout: ErrorCode.TIMEOUT,
    errors.ConnectionFailed: ErrorCode.CONNECTION,
}

# move name → (statuses it may start from, status it ends in)
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "claim": (frozenset({Status.QUEUED}), Status.SUBMITTING),
    "requeue": (frozenset({Status.SUBMITTING}), Status.QUEUED),
    "accept": (frozenset({Status.SUBMITTING, Status.UNKNOWN}), Status.RUNNING),
    "mark_unknown": (frozenset({Status.SUBMITTING}), Status.UNKNOWN),
    "mark_fetching": (frozenset({Status.RUNNING}), Status.FETCHING),
    "complete": (frozenset({Status.FETCHING}), Status.COMPLETED),
    "fail": (
        frozenset({Status.QUEUED, Status.SUBMITTING, Status.RUNNING, Status.FETCHING}),
        Status.FAILED,
    ),
    "cancel": (frozenset({Status.QUEUED, Status.RUNNING}), Status.CANCELED),
}
CANCELABLE = MOVES["cancel"][0]
# A retry is a new generation made from one that ended without (sure) success.
RETRYABLE = frozenset({Status.FAILED, Status.UNKNOWN, Status.CANCELED})


def can_retry(generation: Generation) -> bool:
    """The same request again could succeed (a declined prompt would only be declined again)."""
    return generation.status in RETRYABLE and generation.error_code != ErrorCode.MODERATED


def _move(
    move: str,
    pk: int,
    *,
    only_from: str | None = None,
    guard: dict[str, Any] | None = None,
    detail: str = "",
    **fields: Any,
) -> bool:
    allowed, to_status = MOVES[move]
    if only_from is not None:
        allowed = allowed & {only_from}
    rows = Generation.objects.filter(pk=pk, **(guard or {}))
    current = rows.values_list("status", flat=True).first()
    if current not in allowed:
        return False
    with transaction.atomic():
        won = rows.filter(status=current).update(status=to_status, **fields)
        if won:
            GenerationEvent.objects.create(
                generation_id=pk, from_status=current, to_status=to_status, detail=detail[:200]
            )
    return bool(won)


def create(**fields: Any) -> Generation:
    """A new queued generation, with its first History line."""
    with transaction.atomic():
        generation = Generation.objects.create(status=Status.QUEUED, **fields)
        GenerationEvent.objects.create(generation=generation, to_status=Status.QUEUED)
    return generation


def seeded_completed(**fields: Any) -> Generation:
    """An unsaved, already completed generation for seeded libraries and benchmarks (never
    the pipeline's way: real songs get there move by move)."""
    return Generation(status=Status.COMPLETED, **fields)


def claim(pk: int, email: str, credits: Decimal | None = None) -> bool:
    """queued → submitting on `email`: written before the upstream call is made; `credits`
    (the expected cost) counts against the author's budget from now on."""
    return _move(
        "claim",
        pk,
        detail=f"sent to {email}",
        account_email=email,
        credits=credits or None,
        submit_started=timezone.now(),
        next_poll=None,  # set by an early webhook only, until accepted
        error_code="",
        error_message="",
    )


def requeue(
    pk: int, delay: timedelta, code: ErrorCode, message: str, *, rate_limited: bool = False
) -> bool:
    """submitting → queued: the upstream did not take it; try again after `delay`."""
    seconds = round(delay.total_seconds())
    reason = "429" if code == ErrorCode.RATE_LIMITED else code.label.lower()
    return _move(
        "requeue",
        pk,
        detail=f"{reason}, retry in {seconds} s"
        if seconds
        else f"{reason}, trying another account",
        account_email="",
        credits=None,  # not accepted: nothing spent
        not_before=timezone.now() + delay,
        error_code=code,
        error_message=message,
        rate_limited=F("rate_limited") + int(rate_limited),
    )


def accept(
    pk: int, *, jobid: str, email: str, result: dict, first_poll: float, poll_interval: float
) -> bool:
    """submitting (or unknown, when adopted) → running, with the upstream's jobid: first looked
    at after `first_poll` seconds, unless a webhook came before the jobid did (its look is due
    already: acceptance.early_webhook)."""
    now = timezone.now()
    return _move(
        "accept",
        pk,
        guard={"jobid__isnull": True},
        account_email=email,
        jobid=jobid,
        accepted=now,
        result=result,
        error_code="",
        error_message="",
        next_poll=Coalesce(F("next_poll"), Value(now + timedelta(seconds=first_poll))),
        poll_interval=poll_interval,
    )


def mark_unknown(pk: int, code: ErrorCode, message: str) -> bool:
    """submitting → unknown: the upstream may or may not have accepted it."""
    return _move("mark_unknown", pk, error_code=code, error_message=message)


def mark_fetching(pk: int, *, result: dict, completed_at: datetime, lease: timedelta) -> bool:
    """running → fetching: the upstream finished; our copies of its files are next."""
    return _move(
        "mark_fetching",
        pk,
        result=result,
        upstream_completed=completed_at,
        next_poll=timezone.now() + lease,
    )


def complete(pk: int, note: str = "") -> bool:
    """fetching → completed: every file is in our storage (`note`: what was left out)."""
    return _move("complete", pk, finished=timezone.now(), error_code="", error_message=note)


def fail(
    pk: int, code: ErrorCode, message: str, *, only_from: str | None = None, **fields: Any
) -> bool:
    """Any active status (or just `only_from`) → failed, with a reason the user can read."""
    return _move(
        "fail",
        pk,
        only_from=only_from,
        detail=code.label,
        error_code=code,
        error_message=message,
        finished=timezone.now(),
        next_poll=None,
        **fields,
    )


def cancel(pk: int, message: str, *, only_from: str) -> bool:
    """queued or running → canceled (the caller stops the upstream job first when running)."""
    return _move(
        "cancel",
        pk,
        only_from=only_from,
        finished=timezone.now(),
        next_poll=None,
        error_message=message,
    )


# Side jobs, cover art and lyrics drafts: pending → completed | failed (no History: they last
# seconds). `model` is CoverArtJob or LyricsDraft; both have the same status columns.
SideJob = type[CoverArtJob] | type[LyricsDraft]


def start_side_job(model: SideJob, pk: int) -> bool:
    """Claim a pending side job before its upstream call, so a re-run never repeats it."""
    pending = model.objects.filter(pk=pk, status=side_jobs.PENDING, started__isnull=True)
    return bool(pending.update(started=timezone.now()))


def complete_side_job(model: SideJob, pk: int, **fields: Any) -> bool:
    pending = model.objects.filter(pk=pk, status=side_jobs.PENDING)
    return bool(pending.update(status=side_jobs.COMPLETED, finished=timezone.now(), **fields))


def fail_side_job(model: SideJob, pk: int, code: ErrorCode, message: str) -> bool:
    pending = model.objects.filter(pk=pk, status=side_jobs.PENDING)
    return bool(
        pending.update(
            status=side_jobs.FAILED, error_code=code, error_message=message, finished=timezone.now()
        )
    )
