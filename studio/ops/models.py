"""What the operations app keeps in the database."""

from __future__ import annotations

from django.db import models


class MetricCounter(models.Model):
    """One Prometheus counter for one label set, summed over every web and worker process
    (they may run on several machines), so a scrape of any web process sees them all."""

    name = models.CharField(max_length=100)
    # The label pairs as sorted JSON ({"endpoint": "/music", ...}): one row per label set.
    labels = models.CharField(max_length=500, blank=True)
    value = models.FloatField(default=0)

    class Meta:
        ordering = ["name", "labels"]
        constraints = [
            models.UniqueConstraint(fields=["name", "labels"], name="one_metric_row_per_labels")
        ]

    def __str__(self) -> str:
        return f"{self.name}{self.labels} = {self.value:g}"
