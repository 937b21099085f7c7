"""What the team did, newest first on the Team page: who made, edited, liked, commented, picked,
renamed, shared what (see studio.songs.activity, the one place that writes it)."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class Activity(models.Model):
    class Verb(models.TextChoices):
        MADE = "made", "made"
        EDITED = "edited", "made a new version of"
        LIKED = "liked", "liked"
        COMMENTED = "commented", "commented on"
        PICKED = "picked", "picked"
        UNPICKED = "unpicked", "un-picked"
        RENAMED = "renamed", "renamed"
        SHARED = "shared", "shared"
        UNSHARED = "unshared", "revoked a share link of"
        PROJECT_CREATED = "project_created", "created the project"
        PROJECT_ADDED = "project_added", "added to a project"

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verb = models.CharField(max_length=20, choices=Verb.choices)
    # What it was about; the text is kept too, so an entry still reads well once its song is gone.
    generation = models.ForeignKey(
        "songs.Generation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clip = models.ForeignKey(
        "songs.Clip", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=300, blank=True)  # "Night Drive (take A)"
    # Verb-specific facts: {"old": …, "new": …} for a rename or a pick, {"at": seconds} for a
    # comment, {"project": id, "name": …} for a project.
    detail = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["team", "-at", "-id"], name="activity_newest")]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return f"{self.actor} {self.verb} {self.subject}"
