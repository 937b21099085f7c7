"""Submitting songs: exactly once, in order, within each account's maxJobs (DESIGN §5.1, §5.6).

A generation is claimed (queued → submitting) before POST /music, and its outcome is written
after. Only answers that prove the song was *not* accepted put it back in the queue; a timeout,
a 5xx or a dropped connection leave it `unknown`, never resubmitted automatically. A burst is
sent no faster than its files are stored (send_room).
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from studio.enqueue import enqueue
from studio.flowmusic import (
    AMBIGUOUS,
    EDIT_FIELDS,
    TRANSIENT,
    AccountError,
    EditRequest,
    FlowMusicClient,
    InsufficientCredits,
    RateLimited,
    SongRequest,
    UpstreamError,
)
from studio.songs import lifecycle
from studio.songs.credits import budgets, costs
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import Generation, UpstreamAccount
from studio.songs.pipeline import accounts, recovery, references
from studio.songs.pipeline.acceptance import UNKNOWN_MESSAGE, record_accepted
from studio.songs.pipeline.boundary import own_job

log = logging.getLogger(__name__)
Status = Generation.Status

MAX_BACKOFF = 300.0
# Songs finished upstream whose files are not stored yet, plus songs sent in the last
# SEND_WINDOW (they may finish before the first count sees them): while this many are in the
# way, sending more would only make each of them wait longer (in a burst of quick jobs the
# ingest cluster is the slower side).
INGEST_ROOM = 2  # as many as the ingest cluster has workers
SEND_WINDOW = timedelta(seconds=2)
# Only songs that finished this recently count, so a stuck ingest cannot stop the queue.
INGEST_WINDOW = timedelta(minutes=2)
LOOKING = "Flow Music did not answer; looking for the song in its job list…"
UNREACHABLE = "Upstream unreachable, will retry."
NO_ACCOUNT = (
    "No Flow Music account can take songs now: every account is out of credits or in an "
    "error state. Top up credits or re-add the account upstream, then retry."
)


def webhook_url(generation: Generation) -> str | None:
    if not settings.PUBLIC_URL:
        return None
    return settings.PUBLIC_URL + reverse("flowmusic_webhook", args=[generation.webhook_token])


def backoff(attempt: int, retry_after: float | None = None) -> timedelta:
    """Honour Retry-After; otherwise 5 s doubling, with jitter so workers spread out."""
    if retry_after is not None:
        return timedelta(seconds=min(retry_after, MAX_BACKOFF))
    seconds = min(5.0 * 2 ** max(attempt - 1, 0), MAX_BACKOFF)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def _eligible_queue():
    return (
        Generation.objects.filter(status=Status.QUEUED)
        .exclude(not_before__gt=timezone.now())
        .order_by("created", "pk")
    )


def _candidates(
    generation: Generation, usable: list[UpstreamAccount], free: dict[str, int], cost: costs.Cost
) -> list[UpstreamAccount]:
    """Accounts this generation may go to, best first (Auto: the cover's home, then idlest;
    never one whose last known balance is below the job's cost)."""
    if generation.account_choice:
        chosen = [a for a in usable if a.email == generation.account_choice]
        # An account we do not know (yet) gets one slot; the upstream has the final word.
        return chosen or [UpstreamAccount(email=generation.account_choice, max_jobs=1)]
    home = references.home_account(generation)
    healthy = [a for a in usable if a.can_take_songs and a.can_afford(cost.credits)]
    return sorted(healthy, key=lambda a: (a.email != home, -free.get(a.email, 0)))


FULL, REFUSED, CLAIMED = "full", "refused", "claimed"


@transaction.atomic
def _claim(generation: Generation, account: UpstreamAccount, cost: costs.Cost) -> str:
    """Claim `generation` for `account` if the account still has a free slot once locked and
    its author's budget allows it; a job over budget fails here, before anything is sent."""
    # Serialise claims per account across workers (PostgreSQL row lock; SQLite write lock).
    list(UpstreamAccount.objects.select_for_update().filter(email=account.email))
    if accounts.running_on(account.email) >= account.max_jobs:
        return FULL
    refused = budgets.refusal(generation, cost)  # locks the member's budget in this transaction
    if refused:
        lifecycle.fail(generation.pk, ErrorCode.OVER_BUDGET, refused, only_from=Status.QUEUED)
        return REFUSED
    return CLAIMED if lifecycle.claim(generation.pk, account.email, cost.credits) else FULL


def send_room() -> int:
    """How many more songs may be sent now without outrunning the storing of their files."""
    now = timezone.now()
    waiting = Generation.objects.filter(
        status=Status.FETCHING,
        fetch_attempts__lte=1,  # the first attempt, queued or under way (not a retry's wait)
        upstream_completed__gte=now - INGEST_WINDOW,
    )
    just_sent = Generation.objects.filter(
        status__in=Generation.ACTIVE, submit_started__gte=now - SEND_WINDOW
    )
    return max(0, INGEST_ROOM - waiting.count() - just_sent.count())


def dispatch(client: FlowMusicClient, limit: int = 100) -> int:
    """Submit queued generations, oldest first, while their accounts have free slots."""
    queue = list(_eligible_queue()[: min(limit, send_room())])
    if not queue:
        return 0
    try:
        usable = accounts.refresh_accounts(client)
    except UpstreamError as exc:
        log.warning("dispatch: cannot list accounts: %s", exc.message)
        Generation.objects.filter(pk__in=[g.pk for g in queue]).update(
            error_code=ErrorCode.UNREACHABLE, error_message=f"{UNREACHABLE} {exc.message}"
        )
        return 0
    # Free slots per account, counted once; each claim re-checks its account under a lock.
    free = accounts.free_slots(usable)
    prices: dict[str, costs.Cost] = {}  # per operation, read once per pass
    sent = 0
    for generation in queue:
        if not generation.account_choice and not any(a.can_take_songs for a in usable):
            lifecycle.fail(generation.pk, ErrorCode.NO_ACCOUNT, NO_ACCOUNT, only_from=Status.QUEUED)
            continue
        if generation.operation not in prices:
            prices[generation.operation] = costs.expected(generation.operation)
        cost = prices[generation.operation]
        for account in _candidates(generation, usable, free, cost):
            if free.get(account.email, account.max_jobs) <= 0:
                continue
            outcome = _claim(generation, account, cost)
            if outcome == CLAIMED:
                free[account.email] = free.get(account.email, account.max_jobs) - 1
                with own_job(generation.pk):
                    _send(client, generation.pk, account.email)
                sent += 1
            elif outcome == FULL:
                free[account.email] = 0  # another worker took the last slot
            break
        if free and all(slots <= 0 for slots in free.values()):
            break  # every account is full: the rest wait for a slot
    return sent


def _song_request(generation: Generation, email: str, images, audios) -> SongRequest:
    return SongRequest(
        prompt=generation.prompt,
        lyrics=generation.lyrics or None,
        instrumental=generation.instrumental or None,
        ghostwriter=(generation.ghostwriter or None) if not generation.lyrics else None,
        email=email,
        # Omitted, Flow Music picks its older model: always say which one the user chose.
        model=generation.model or Generation.Model.LYRIA_3_PRO,
        ref_images=tuple(images),
        ref_audios=tuple(audios),
        reply_url=webhook_url(generation),
        reply_ref=str(generation.pk),
    )


def _edit_request(generation: Generation) -> EditRequest:
    """POST /music/edit for an edit of a take; its account is the source clip's own."""
    # The prompt column holds the source's prompt (shown, searched); a remix's new prompt, when
    # the user gave one, is in options.
    columns = {"instruction": generation.instruction or None, "lyrics": generation.lyrics or None}
    options = {**columns, **generation.options}
    return EditRequest(
        operation=generation.operation,
        clip=generation.source_clip.clip_id,  # type: ignore[union-attr]
        options={key: options.get(key) for key in EDIT_FIELDS[generation.operation]},
        title=generation.title or None,
        seed=generation.seed,
        reply_url=webhook_url(generation),
        reply_ref=str(generation.pk),
    )


def _send(client: FlowMusicClient, pk: int, email: str) -> None:
    generation = Generation.objects.select_related("source_clip").get(pk=pk)
    if generation.operation == Generation.Operation.STEMS:
        # Synchronous upstream (up to 2 minutes): its own task, so the queue goes on meanwhile.
        enqueue("make_stems", pk)
        return
    if generation.is_edit:
        _send_edit(client, generation, email)
        return
    try:
        images, audios = references.reference_ids(client, generation, email)
    except UpstreamError as exc:
        # Uploading a reference spends no song credits: transient failures simply wait.
        if exc.kind in (AMBIGUOUS, TRANSIENT):
            delay = backoff(generation.rate_limited + 1, exc.retry_after)
            lifecycle.requeue(pk, delay, ErrorCode.of(exc), exc.message)
        else:
            lifecycle.fail(
                pk, ErrorCode.of(exc), exc.message, only_from=Status.SUBMITTING, credits=None
            )
        return
    request = _song_request(generation, email, images, audios)
    # The attempt is on record before the request leaves (claim time + body).
    Generation.objects.filter(pk=pk).update(request=request.to_json())
    try:
        job = client.create_song(request)
    except UpstreamError as exc:
        _refused(client, generation, email, exc)
    else:
        record_accepted(generation, job, email)


def _send_edit(client: FlowMusicClient, generation: Generation, email: str) -> None:
    request = _edit_request(generation)
    Generation.objects.filter(pk=generation.pk).update(request=request.to_json())
    try:
        job = client.edit_music(request)
    except UpstreamError as exc:
        _refused(client, generation, email, exc)
    else:
        record_accepted(generation, job, email)


def _refused(
    client: FlowMusicClient, generation: Generation, email: str, exc: UpstreamError
) -> None:
    """What a failed POST /music means: wait, try another account, fail, or unknown."""
    pk, attempt = generation.pk, generation.rate_limited + 1
    code = ErrorCode.of(exc)
    if isinstance(exc, RateLimited):
        delay = backoff(attempt, exc.retry_after)
        lifecycle.requeue(pk, delay, code, exc.message, rate_limited=True)
    elif isinstance(exc, InsufficientCredits | AccountError) and not generation.account_choice:
        # Auto: that account cannot take songs; another one may.
        accounts.mark_unusable(email, exc)
        lifecycle.requeue(pk, timedelta(0), code, exc.message)
    elif exc.kind == TRANSIENT:  # nothing reached the upstream
        message = f"{UNREACHABLE} {exc.message}"
        lifecycle.requeue(pk, backoff(attempt), ErrorCode.UNREACHABLE, message)
    elif exc.kind == AMBIGUOUS:
        # It may be running: ask the upstream before telling the user we do not know.
        Generation.objects.filter(pk=pk, status=Status.SUBMITTING).update(error_message=LOOKING)
        if not recovery.look_for(client, generation, email):
            lifecycle.mark_unknown(pk, ErrorCode.NO_ANSWER, UNKNOWN_MESSAGE)
    else:
        # Not accepted: nothing was spent, so nothing counts against the budget.
        lifecycle.fail(pk, code, exc.message, only_from=Status.SUBMITTING, credits=None)
