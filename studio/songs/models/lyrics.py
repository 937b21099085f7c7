"""Lyrics drafts: "Write lyrics for me" asks Flow Music (POST /music/lyrics, free) in the
background; the compose page shows its progress and fills the Lyrics field from it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LyricsDraft(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Writing lyrics…"
        COMPLETED = "completed", "Ready"
        FAILED = "failed", "Failed"

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    prompt = models.TextField()  # the theme: the song's prompt or a short idea
    structure = models.TextField(blank=True)  # e.g. "[Verse] [Chorus] [Verse] [Chorus]"
    account_choice = models.CharField(max_length=254, blank=True)  # "" = Auto

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    title = models.CharField(max_length=200, blank=True)
    lyrics = models.TextField(blank=True)
    sound_prompt = models.TextField(blank=True)  # the style the upstream suggests with them
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"Lyrics draft {self.pk} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
