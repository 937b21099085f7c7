from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Comment(models.Model):
    """A comment on a take, stamped with the playhead time it was written at ("at 1:12").

    Replies are one level deep: a reply's parent is a comment that is not itself a reply.
    """

    clip = models.ForeignKey("songs.Clip", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    at_seconds = models.FloatField(null=True, blank=True)  # null: not about a moment
    text = models.TextField()
    created = models.DateTimeField(default=timezone.now)
    edited = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["clip", "created"], name="comment_by_clip")]

    def __str__(self) -> str:
        return self.text[:60]
