"""The ledger: our expected cost per accepted job, and the upstream's charges matched to our
jobs by jobid (GET /accounts/usage). Unmatched charges are "not from this Studio"; a charged
job that ended failed, canceled or unknown is "charged but nothing delivered"."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from studio.songs.models import CreditEvent, Generation, UpstreamAccount

if TYPE_CHECKING:
    from studio.flowmusic import Usage

Source, Kind = CreditEvent.Source, CreditEvent.Kind
NOTHING_DELIVERED = (
    Generation.Status.FAILED,
    Generation.Status.CANCELED,
    Generation.Status.UNKNOWN,
)


def record_expected(pk: int) -> None:
    """One `ours` line per accepted job: what we expected it to cost; the account's balance is
    stale from now on (the next reconcile pass reads it again)."""
    generation = Generation.objects.filter(pk=pk).first()
    if generation is None or not generation.credits:
        return
    CreditEvent.objects.bulk_create(
        [
            CreditEvent(
                account_email=generation.account_email,
                generation=generation,
                team_id=generation.team_id,
                user_id=generation.author_id,
                operation=generation.operation,
                kind=Kind.EXPECTED,
                source=Source.OURS,
                credits=generation.credits,
                jobid=generation.jobid or "",
            )
        ],
        ignore_conflicts=True,
    )
    UpstreamAccount.objects.filter(email=generation.account_email).update(credits_read=None)


def reconcile(email: str, usage: Usage) -> int:
    """Add the upstream's charges we have not seen yet; returns how many were new. Each one
    matched to our job sets that job's credits to what the upstream actually charged."""
    known = set(
        CreditEvent.objects.filter(
            account_email=email, upstream_id__in=[e.id for e in usage.events]
        ).values_list("upstream_id", flat=True)
    )
    fresh = [e for e in usage.events if e.id not in known]
    if not fresh:
        return 0
    jobs = {
        g.jobid: g for g in Generation.objects.filter(jobid__in={e.jobid for e in fresh if e.jobid})
    }
    rows = []
    for event in fresh:
        job = jobs.get(event.jobid or "")
        rows.append(
            CreditEvent(
                account_email=email,
                generation=job,
                team_id=job.team_id if job else None,
                user_id=job.author_id if job else None,
                operation=job.operation if job else event.type[:20],
                kind=Kind.CHARGED,
                source=Source.UPSTREAM,
                credits=event.credits,
                upstream_id=event.id,
                jobid=(event.jobid or "")[:300],
                at=event.at or timezone.now(),
            )
        )
    with transaction.atomic():
        CreditEvent.objects.bulk_create(rows, ignore_conflicts=True)
        _charge(job.pk for job in jobs.values())
    return len(rows)


def _charge(pks) -> None:
    """A job's credits become the sum of the upstream's charges for it."""
    charged: dict[int, Decimal] = defaultdict(Decimal)
    totals = (
        CreditEvent.objects.filter(generation_id__in=list(pks), source=Source.UPSTREAM)
        .values_list("generation_id")
        .annotate(total=Sum("credits"))
    )
    for pk, total in totals:
        charged[pk] = total
    for pk, total in charged.items():
        Generation.objects.filter(pk=pk).update(credits=total)
