"""Members' monthly budgets (DESIGN §5.9): a job that would take its author over budget is
refused before it is sent. The check and the claim share one transaction (see dispatch._claim):
the member's Budget row is locked (PostgreSQL) or the database is (SQLite's IMMEDIATE
transactions), so concurrent claims are counted one after another and never overshoot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from studio.songs.credits import costs
from studio.songs.credits.costs import Cost
from studio.songs.models import Budget, Generation


def month_start(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class BudgetState:
    monthly: int
    spent: Decimal

    @property
    def left(self) -> Decimal:
        return max(Decimal(self.monthly) - self.spent, Decimal(0))


def spent_this_month(team_id: int, user_id: int, *, excluding: int | None = None) -> Decimal:
    """Credits of the member's jobs claimed this month: the charge when known, else expected."""
    jobs = Generation.objects.filter(
        team_id=team_id, author_id=user_id, submit_started__gte=month_start()
    )
    if excluding is not None:
        jobs = jobs.exclude(pk=excluding)
    return jobs.aggregate(total=Sum("credits"))["total"] or Decimal(0)


def _monthly(team_id: int, user_id: int, *, lock: bool = False) -> int | None:
    budgets = Budget.objects.filter(team_id=team_id, user_id=user_id)
    if lock:
        budgets = budgets.select_for_update()
    return budgets.values_list("monthly_credits", flat=True).first()


def state(team_id: int, user_id: int) -> BudgetState | None:
    """The member's budget this month, or None when they have none."""
    monthly = _monthly(team_id, user_id)
    if monthly is None:
        return None
    return BudgetState(monthly, spent_this_month(team_id, user_id))


def refusal(generation: Generation, cost: Cost) -> str:
    """Why this job may not be sent ("" when it may). Call inside the claim's transaction."""
    if not cost.credits or generation.author_id is None:
        return ""  # free work is never refused
    monthly = _monthly(generation.team_id, generation.author_id, lock=True)
    if monthly is None:
        return ""
    spent = spent_this_month(generation.team_id, generation.author_id, excluding=generation.pk)
    if spent + cost.credits <= monthly:
        return ""
    return message(generation.is_edit, cost, BudgetState(monthly, spent))


def message(is_edit: bool, cost: Cost, budget: BudgetState) -> str:
    what = "this take" if is_edit else "this song"
    left = f"{budget.left.normalize():f}"
    return (
        f"Over your monthly budget: {what} needs {cost.label}, you have {left} of "
        f"{budget.monthly} left this month. Ask an owner to raise your Monthly budget."
    )


def precheck(team_id: int, user_id: int, operation: str, cost: Cost) -> str:
    """Why a new job of the member should not even be queued ("" when it may): their budget
    less what they spent and what they have queued. Immediate feedback on the page; the claim
    (`refusal`) is the check that holds under concurrency."""
    budget = state(team_id, user_id)
    if budget is None or not cost.credits:
        return ""
    queued = Generation.objects.filter(
        team_id=team_id, author_id=user_id, status=Generation.Status.QUEUED
    ).values_list("operation", flat=True)
    prices = {op: costs.expected(op).credits for op in set(queued)}
    waiting = sum((prices[op] for op in queued), Decimal(0))
    if budget.spent + waiting + cost.credits <= budget.monthly:
        return ""
    shown = BudgetState(budget.monthly, budget.spent + waiting)
    return message(operation != Generation.Operation.SONG, cost, shown)
