"""A generation's History, as the queue shows it: "18:02 queued · 18:02 sent to alice@… · …"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from studio.songs.models import Generation, GenerationEvent

# The queue is a status line, not a log: the newest moves are the ones that explain it.
SHOWN_EVENTS = 8


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    text: str


def describe(event: GenerationEvent) -> str:
    label = Generation.Status(event.to_status).label.lower()
    if event.to_status == Generation.Status.FAILED and event.detail:
        return f"{label} ({event.detail[:1].lower()}{event.detail[1:]})"
    return event.detail or label


def attach_history(generations: Iterable[Generation]) -> None:
    """Give each generation `.history` (its last moves) and `.history_cut` (older ones left
    out), reading the events of all of them in one query."""
    by_id = {generation.pk: generation for generation in generations}
    events: dict[int, list[GenerationEvent]] = defaultdict(list)
    for event in GenerationEvent.objects.filter(generation_id__in=list(by_id)).order_by("at", "pk"):
        events[event.generation_id].append(event)
    for pk, generation in by_id.items():
        moves = events[pk]
        generation.history = [  # type: ignore[attr-defined]
            HistoryLine(event.at, describe(event)) for event in moves[-SHOWN_EVENTS:]
        ]
        generation.history_cut = len(moves) > SHOWN_EVENTS  # type: ignore[attr-defined]
