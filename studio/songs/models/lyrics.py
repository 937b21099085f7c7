"""Lyrics drafts: "Write lyrics for me" asks Flow Music (POST /music/lyrics, free) in the
background; the compose page shows its progress and fills the Lyrics field from it."""

from __future__ import annotations

from django.db import models

from studio.songs.models.side_jobs import COMPLETED, FAILED, PENDING, SideJob


class LyricsDraft(SideJob):
    class Status(models.TextChoices):
        PENDING = PENDING, "Writing lyrics…"
        COMPLETED = COMPLETED, "Ready"
        FAILED = FAILED, "Failed"

    prompt = models.TextField()  # the theme: the song's prompt or a short idea
    structure = models.TextField(blank=True)  # e.g. "[Verse] [Chorus] [Verse] [Chorus]"

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    title = models.CharField(max_length=200, blank=True)
    lyrics = models.TextField(blank=True)
    sound_prompt = models.TextField(blank=True)  # the style the upstream suggests with them

    class Meta(SideJob.Meta):
        pass

    def __str__(self) -> str:
        return f"Lyrics draft {self.pk} ({self.status})"
