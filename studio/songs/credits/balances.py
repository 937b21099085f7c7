"""Each account's balance over time: a reading kept when the balance changed, or hourly while it
did not, for the history on the Credits page; and the team's credits left for the header."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Sum
from django.utils import timezone

from studio.songs.models import BalanceReading, UpstreamAccount

STEADY_EVERY = timedelta(hours=1)  # an unchanged balance is written again this often
KEEP = timedelta(days=90)


def record(email: str, credits: int | None, at: datetime | None = None) -> None:
    if credits is None:
        return
    at = at or timezone.now()
    last = BalanceReading.objects.filter(account_email=email).order_by("-at").first()
    if last is not None and last.credits == credits and at - last.at < STEADY_EVERY:
        return
    BalanceReading.objects.create(account_email=email, credits=credits, at=at)


def prune(now: datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - KEEP
    return BalanceReading.objects.filter(at__lt=cutoff).delete()[0]


def history(emails: list[str], since: datetime) -> dict[str, list[BalanceReading]]:
    """{account: readings since `since`, oldest first}, in one query."""
    readings: dict[str, list[BalanceReading]] = defaultdict(list)
    for reading in BalanceReading.objects.filter(account_email__in=emails, at__gte=since):
        readings[reading.account_email].append(reading)
    return readings


def team_left() -> int | None:
    """Credits left across the healthy accounts whose balance is known (None: none known), in
    one query: the header shows it on every page."""
    return UpstreamAccount.objects.filter(
        present=True, error="", credits_remaining__isnull=False
    ).aggregate(left=Sum("credits_remaining"))["left"]
