"""The reconciler's django-q2 schedule, ensured after every migrate (not kept in a migration),
so a deleted or hand-edited schedule row is put right on the next deploy."""

from __future__ import annotations

from typing import Any

from django_q.models import Schedule

SCHEDULE_NAME = "studio reconciler"
RECONCILE_TASK = "studio.songs.tasks.reconcile"


def ensure_schedule(**_signal: Any) -> None:
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": RECONCILE_TASK,
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
