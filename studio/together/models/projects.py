from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Project(models.Model):
    """A team's named, ordered collection of takes: an album, a client brief."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["team", "-updated"], name="project_recent")]

    def __str__(self) -> str:
        return self.name


class ProjectItem(models.Model):
    """A take in a project, at a position (1, 2, …: the track number). A take may be in several
    projects, and once in each."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="items")
    clip = models.ForeignKey("songs.Clip", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "clip"], name="take_once_per_project")
        ]

    def __str__(self) -> str:
        return f"{self.project} #{self.position}"
