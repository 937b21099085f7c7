"""What the Credits page shows: spend per member and operation, what was charged without a
song to show for it, charges from elsewhere, and the ledger as rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from studio.songs.credits.ledger import NOTHING_DELIVERED
from studio.songs.models import CreditEvent, Generation

Source = CreditEvent.Source


def _charged(team_id: int, since: datetime):
    """The team's jobs claimed since `since` that cost credits (expected, then charged)."""
    return Generation.objects.filter(
        team_id=team_id, submit_started__gte=since, credits__isnull=False
    )


def spend(team_id: int, since: datetime, until: datetime | None = None):
    """{member id: {operation: credits}} of jobs claimed in [since, until)."""
    jobs = _charged(team_id, since)
    if until is not None:
        jobs = jobs.filter(submit_started__lt=until)
    rows = jobs.values_list("author_id", "operation").annotate(total=Sum("credits"))
    result: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for author, operation, total in rows.values_list("author_id", "operation", "total"):
        result[author][operation] = total
    return result


def nothing_delivered(team_id: int, user_id: int | None = None):
    """The team's jobs the upstream charged that ended failed, canceled or unknown."""
    charged = CreditEvent.objects.filter(generation=OuterRef("pk"), source=Source.UPSTREAM)
    jobs = Generation.objects.filter(Exists(charged), team_id=team_id, status__in=NOTHING_DELIVERED)
    if user_id is not None:
        jobs = jobs.filter(author_id=user_id)
    return jobs.select_related("author").order_by("-created")[:100]


def not_from_studio():
    """Upstream charges that match no job of this Studio (another client on the account)."""
    return CreditEvent.objects.filter(source=Source.UPSTREAM, generation__isnull=True)[:100]


def ledger(team_id: int, user_id: int | None = None):
    """The team's ledger (a member's own lines), newest first, for the CSV export."""
    lines = CreditEvent.objects.filter(team_id=team_id)
    if user_id is not None:
        lines = lines.filter(user_id=user_id)
    return lines.select_related("user", "generation").order_by("-at", "-id")


def daily(team_id: int, since: datetime, user_id: int | None = None) -> dict[date, Decimal]:
    """{day: credits} of the team's (a member's) jobs claimed since `since`, by local day."""
    jobs = _charged(team_id, since)
    if user_id is not None:
        jobs = jobs.filter(author_id=user_id)
    days = jobs.annotate(day=TruncDate("submit_started", tzinfo=timezone.get_current_timezone()))
    return dict(days.values_list("day").annotate(total=Sum("credits")).values_list("day", "total"))
