"""What the short background jobs share: cover art jobs and lyrics drafts go pending →
completed | failed in seconds, moved only by lifecycle.py's side-job functions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

PENDING, COMPLETED, FAILED = "pending", "completed", "failed"


class SideJob(models.Model):
    """Each kind declares its own `status` field, with labels of its own for these values."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    account_choice = models.CharField(max_length=254, blank=True)  # "" = Auto
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    started = models.DateTimeField(null=True, blank=True)  # written before the upstream call
    finished = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    status: str

    class Meta:
        abstract = True
        ordering = ["-created"]

    @property
    def is_pending(self) -> bool:
        return self.status == PENDING
