"""What we know of the upstream accounts, and the named leases workers coordinate with."""

from __future__ import annotations

from django.db import models


class UpstreamAccount(models.Model):
    """A Flow Music account as last seen in GET /accounts (cached briefly)."""

    email = models.CharField(max_length=254, primary_key=True)
    max_jobs = models.PositiveIntegerField(default=1)
    error = models.TextField(blank=True)
    credits_remaining = models.IntegerField(null=True, blank=True)
    credits_read = models.DateTimeField(null=True, blank=True)  # when that balance was read
    present = models.BooleanField(default=True)
    refreshed = models.DateTimeField()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def can_take_songs(self) -> bool:
        return not self.error and self.credits_remaining != 0

    def can_afford(self, credits) -> bool:
        """The last known balance covers `credits` (an unknown balance: the upstream decides)."""
        return self.credits_remaining is None or self.credits_remaining >= credits


class Lease(models.Model):
    """A named lock with an expiry, so only one reconciler loop runs across all workers."""

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    expires = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} until {self.expires}"
