"""The Credits page: balances, spend per member, budgets (owners), the ledger as CSV."""

from __future__ import annotations

import csv
from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from studio.library.credits import charts
from studio.songs import services
from studio.songs.credits import balances, budgets, report
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import Budget, Generation, UpstreamAccount
from studio.teams.access import membership_for, owner_required, team_for
from studio.teams.models import Membership

OPERATIONS = Generation.Operation


def _membership(user) -> Membership:
    membership = membership_for(user)
    assert membership is not None  # team_for raised 404 otherwise
    return membership


def _members(team, membership):
    """Owners see everyone; a member sees themselves."""
    members = team.memberships.select_related("user").order_by("user__username")
    return members if membership.is_owner else members.filter(user=membership.user)


def _refused(team_id: int, user_id: int):
    """The member's jobs refused for their budget and not retried yet."""
    retried = Generation.objects.filter(retried_from__isnull=False).values("retried_from")
    return Generation.objects.filter(
        team_id=team_id,
        author_id=user_id,
        status=Generation.Status.FAILED,
        error_code=ErrorCode.OVER_BUDGET,
    ).exclude(pk__in=retried)


@require_GET
def credits_page(request):
    team, membership = team_for(request.user), _membership(request.user)
    month = budgets.month_start()
    last_month = budgets.month_start(month - timedelta(days=1))
    this_spend, last_spend = report.spend(team.pk, month), report.spend(team.pk, last_month, month)
    limits = dict(Budget.objects.filter(team=team).values_list("user_id", "monthly_credits"))
    rows = []
    for member in _members(team, membership):
        uid = member.user_id
        spent = this_spend.get(uid, {})
        total = sum(spent.values(), Decimal(0))
        rows.append(
            {
                "user": member.user,
                "this_month": total,
                "last_month": sum(last_spend.get(uid, {}).values(), Decimal(0)),
                "by_operation": [(op.label, spent[op]) for op in OPERATIONS if op in spent],
                "budget": limits.get(uid),
                "left": max(limits[uid] - total, 0) if uid in limits else None,
                "refused": _refused(team.pk, uid).count(),
            }
        )
    own = None if membership.is_owner else request.user.pk
    first_day = timezone.localdate(month)
    next_month = budgets.month_start(month + timedelta(days=32))
    daily = report.daily(team.pk, month, own)
    context = {
        "is_owner": membership.is_owner,
        "rows": rows,
        "spend_chart": charts.spend_chart(
            daily, first_day, timezone.localdate(next_month) - timedelta(days=1)
        ),
        "accounts": _accounts_with_history() if membership.is_owner else [],
        "nothing_delivered": report.nothing_delivered(team.pk, own),
        "not_ours": report.not_from_studio() if membership.is_owner else [],
    }
    return render(request, "credits/credits.html", context)


HISTORY = timedelta(days=30)


def _accounts_with_history():
    """Each present account with its balance over the last 30 days as a line."""
    now = timezone.now()
    accounts = list(UpstreamAccount.objects.filter(present=True))
    readings = balances.history([a.email for a in accounts], now - HISTORY)
    return [(a, charts.balance_line(readings.get(a.email), now)) for a in accounts]


@require_POST
@owner_required
def set_budget(request, pk: int):
    team = team_for(request.user)
    if not team.memberships.filter(user_id=pk).exists():
        raise Http404("No such member.")
    raw = request.POST.get("monthly_credits", "").strip()
    if not raw:
        Budget.objects.filter(team=team, user_id=pk).delete()
        messages.success(request, "Budget removed: no monthly limit.")
    elif raw.isdigit() and int(raw) <= 10**9:
        Budget.objects.update_or_create(
            team=team, user_id=pk, defaults={"monthly_credits": int(raw)}
        )
        messages.success(request, f"Monthly budget set to {int(raw):,} credits.")
    else:
        messages.error(request, "A Monthly budget is a whole number of credits, or empty.")
    return redirect("credits")


@require_POST
@owner_required
def retry_refused(request, pk: int):
    """Send again what the member's budget refused (the member stays the author)."""
    team = team_for(request.user)
    membership = team.memberships.filter(user_id=pk).select_related("user").first()
    if membership is None:
        raise Http404("No such member.")
    refused = list(_refused(team.pk, pk))
    for generation in refused:
        services.retry(generation, membership.user)
    messages.success(request, f"{len(refused)} refused job(s) queued again.")
    return redirect("credits")


@require_GET
def ledger_csv(request):
    team, membership = team_for(request.user), _membership(request.user)
    own = None if membership.is_owner else request.user.pk
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="credits-ledger.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["at", "account", "member", "song", "operation", "source", "kind", "credits", "jobid"]
    )
    for line in report.ledger(team.pk, own).iterator():
        writer.writerow(
            [
                line.at.isoformat(),
                line.account_email,
                line.user.username if line.user else "",
                _cell(line.generation.title if line.generation else ""),
                line.operation,
                line.source,
                line.kind,
                line.credits,
                line.jobid,
            ]
        )
    return response


def _cell(text: str) -> str:
    """No spreadsheet formula from a song title."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
