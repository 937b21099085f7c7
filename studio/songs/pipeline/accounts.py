"""Flow Music accounts as the dispatcher sees them: capacity (maxJobs) and what runs on each."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from studio.flowmusic import FlowMusicClient, InsufficientCredits, UpstreamError
from studio.songs.credits import balances
from studio.songs.models import Generation, UpstreamAccount

log = logging.getLogger(__name__)

# Pages wait this long for Flow Music before showing what they last knew.
PAGE_TIMEOUT = 3.0
# GET /accounts is cheap but not free: reuse its answer this long.
ACCOUNT_CACHE = timedelta(seconds=60)
# An unknown outcome may be a running job; count it against capacity for this long.
UNKNOWN_HOLDS_CAPACITY = timedelta(minutes=10)


def refresh_accounts(client: FlowMusicClient, *, force: bool = False) -> list[UpstreamAccount]:
    """The usable picture of the upstream's accounts, from cache or from GET /accounts."""
    newest = UpstreamAccount.objects.aggregate(newest=Max("refreshed"))["newest"]
    if force or newest is None or timezone.now() - newest > ACCOUNT_CACHE:
        seen = client.list_accounts()
        now = timezone.now()
        for email, account in seen.items():
            UpstreamAccount.objects.update_or_create(
                email=email,
                defaults={
                    "max_jobs": account.max_jobs or 1,
                    "error": account.error or "",
                    "present": True,
                    "refreshed": now,
                },
            )
        UpstreamAccount.objects.exclude(email__in=list(seen)).update(present=False, refreshed=now)
        refresh_credits(client, list(UpstreamAccount.objects.filter(present=True)))
    return list(UpstreamAccount.objects.filter(present=True))


def mark_unusable(email: str, exc: UpstreamError) -> None:
    """Auto skips an account that refused for credits or its state until the next refresh."""
    accounts = UpstreamAccount.objects.filter(email=email)
    if isinstance(exc, InsufficientCredits):
        accounts.update(credits_remaining=0)
    else:
        accounts.update(error=exc.detail or exc.message)


def refresh_credits(client: FlowMusicClient, accounts: list[UpstreamAccount]) -> None:
    """Live balances (GET /accounts/{email}) for the compose and settings pages."""
    for account in accounts:
        if account.error:
            continue
        try:
            account.credits_remaining = client.get_account(account.email).credits_remaining
        except UpstreamError as exc:
            log.info("credits: cannot read %s: %s", account.email, exc.message)
            continue
        account.credits_read = timezone.now()
        account.save(update_fields=["credits_remaining", "credits_read"])
        balances.record(account.email, account.credits_remaining, account.credits_read)


def busy_filter() -> Q:
    """Generations that occupy a slot of their account's maxJobs."""
    recent = timezone.now() - UNKNOWN_HOLDS_CAPACITY
    return Q(status__in=[Generation.Status.SUBMITTING, Generation.Status.RUNNING]) | Q(
        status=Generation.Status.UNKNOWN, submit_started__gte=recent
    )


def running_on(email: str) -> int:
    return Generation.objects.filter(busy_filter(), account_email=email).count()


def free_slots(usable: list[UpstreamAccount]) -> dict[str, int]:
    """maxJobs minus what occupies each account, in one query."""
    busy = dict(
        Generation.objects.filter(busy_filter(), account_email__in=[a.email for a in usable])
        .values_list("account_email")
        .annotate(n=Count("pk"))
        .values_list("account_email", "n")
    )
    return {a.email: a.max_jobs - busy.get(a.email, 0) for a in usable}


def for_page(*, force: bool = False) -> tuple[list[UpstreamAccount], str]:
    """The accounts Flow Music listed (asked again when the cached list is stale, or `force`),
    and the error if it could not be asked; then the last known list is used."""
    problem = ""
    try:
        with FlowMusicClient.from_settings(timeout=PAGE_TIMEOUT) as client:
            refresh_accounts(client, force=force)
    except UpstreamError as exc:
        problem = exc.message
    return list(UpstreamAccount.objects.filter(present=True)), problem
