"""Credits: the ledger of what each job costs (ours and the upstream's), and members' budgets
(DESIGN §5.9). Written only by studio.songs.credits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class CreditEvent(models.Model):
    """One line of the ledger.

    `ours` + `expected`: the cost we expected when the upstream accepted a job of ours.
    `upstream` + `charged`: a charge from the upstream's usage ledger, linked to our job by its
    jobid, or with no generation when it is "not from this Studio" (another client).
    """

    class Kind(models.TextChoices):
        EXPECTED = "expected", "Expected"
        CHARGED = "charged", "Charged"

    class Source(models.TextChoices):
        OURS = "ours", "Studio"
        UPSTREAM = "upstream", "Flow Music"

    account_email = models.CharField(max_length=254)
    generation = models.ForeignKey(
        "songs.Generation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Copied from the generation so a month's spend per member is one indexed sum.
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    operation = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    credits = models.DecimalField(max_digits=14, decimal_places=2)
    # The upstream's own event id (upstream rows), so a reconciliation never counts one twice.
    upstream_id = models.CharField(max_length=300, blank=True)
    jobid = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account_email", "upstream_id"],
                condition=models.Q(source="upstream"),
                name="credit_event_upstream_once",
            ),
            # One expected line per job of ours.
            models.UniqueConstraint(
                fields=["generation"],
                condition=models.Q(source="ours"),
                name="credit_event_expected_once",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "user", "at"], name="credit_event_member"),
            models.Index(fields=["account_email", "-at"], name="credit_event_account"),
            models.Index(fields=["operation", "source", "-at"], name="credit_event_operation"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.credits} on {self.account_email}"


class Budget(models.Model):
    """A member's monthly credit budget, set by an owner (no row: no budget)."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    monthly_credits = models.PositiveIntegerField()
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="budget_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.monthly_credits}/month"


class BalanceReading(models.Model):
    """An account's balance as read from the upstream: a point of its history on the Credits
    page (kept when it changed, or hourly while it did not)."""

    account_email = models.CharField(max_length=254)
    credits = models.IntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account_email", "at"]
        indexes = [models.Index(fields=["account_email", "at"], name="balance_reading_account")]

    def __str__(self) -> str:
        return f"{self.account_email} {self.credits} at {self.at:%Y-%m-%d %H:%M}"
