from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Like(models.Model):
    """One member's like of one take; the Pick stays the team's one chosen take per song."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    clip = models.ForeignKey("songs.Clip", on_delete=models.CASCADE, related_name="likes")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clip", "user"], name="one_like_per_member")]
        # The Liked filter goes from a member to their takes.
        indexes = [models.Index(fields=["user", "clip"], name="like_by_member")]

    def __str__(self) -> str:
        return f"{self.user} likes {self.clip}"
