"""When to look at a running job (GET /jobs/{jobid}); with a webhook this is only the fallback.

The first look comes near the job's expected finish: the lower quartile of how long the last
jobs of the same kind ran upstream (most finish after it, few long before), or FIRST_LOOK when
there is too little history. After that the wait grows from BACKOFF_FROM by POLL_GROWTH a look
(1.5 s, 2.25 s, 3.4 s, …) up to MAX_POLL_INTERVAL.
"""

from __future__ import annotations

from django.db.models import DurationField, ExpressionWrapper, F

from studio.songs.models import Generation

FIRST_LOOK = 5.0  # seconds after acceptance, while there is no history
MIN_FIRST_LOOK = 1.0
MAX_FIRST_LOOK = 300.0
HISTORY = 20  # the last jobs of a kind that count
MIN_HISTORY = 5
BACKOFF_FROM = 1.0
POLL_GROWTH = 1.5
MAX_POLL_INTERVAL = 30.0


def first_look(operation: str) -> float:
    """Seconds from acceptance to the first look at a job of `operation` (song, extend, …)."""
    ran = ExpressionWrapper(F("upstream_completed") - F("accepted"), output_field=DurationField())
    recent = (
        Generation.objects.filter(
            operation=operation,
            status=Generation.Status.COMPLETED,
            accepted__isnull=False,
            upstream_completed__isnull=False,
        )
        .order_by("-pk")
        .annotate(ran=ran)
        .values_list("ran", flat=True)[:HISTORY]
    )
    durations = sorted(ran.total_seconds() for ran in recent)
    if len(durations) < MIN_HISTORY:
        return FIRST_LOOK
    quartile = durations[len(durations) // 4]
    # The upstream's clock stamps its completion: a skewed clock is held within bounds.
    return min(max(quartile, MIN_FIRST_LOOK), MAX_FIRST_LOOK)


def next_interval(interval: float) -> float:
    """The wait after a look that found the job still running, from the wait before it."""
    return min(interval * POLL_GROWTH, MAX_POLL_INTERVAL)
