"""The team's activity: the one place that records it, and the page of it the Team page shows.

Entries are written by the code that did the thing (a song completing in ingest, a rename, a
like, …), after it happened; reading is newest first, a page at a time by (at, id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from studio.songs.models import Activity, Clip, Generation

PAGE_SIZE = 30
Verb = Activity.Verb


def clip_subject(clip: Clip) -> str:
    """How an entry names a take: "Night Drive (take A)"."""
    return f"{clip.title or 'Untitled'} ({clip.take_name[:1].lower()}{clip.take_name[1:]})"


def record(
    verb: Verb,
    actor,
    *,
    team=None,
    generation: Generation | None = None,
    clip: Clip | None = None,
    subject: str = "",
    **detail: Any,
) -> Activity:
    """Write one entry. The team, generation and subject follow from the clip when not given."""
    if clip is not None:
        generation = generation or clip.generation
        subject = subject or clip_subject(clip)
    if generation is not None:
        team = team or generation.team
    return Activity.objects.create(
        team=team,
        actor=actor,
        verb=verb,
        generation=generation,
        clip=clip,
        subject=subject[:300],
        detail=detail,
    )


def record_made(generation: Generation) -> Activity:
    """A song or an edit completed: its author made it (once: the move to completed wins once)."""
    lead = generation.clips.order_by("slot").first()
    subject = (lead.title if lead else "") or generation.title or generation.prompt[:80]
    verb = Verb.EDITED if generation.is_edit else Verb.MADE
    return record(
        verb,
        generation.author,
        generation=generation,
        subject=subject,
        operation=generation.operation,
    )


def page(team, before: tuple[datetime, int] | None = None) -> tuple[list[Activity], bool]:
    """One page of the team's activity, newest first, older than `before`; and whether there
    is more. Keyset paging: page 100 costs what page 1 does."""
    entries: QuerySet[Activity] = Activity.objects.filter(team=team)
    if before is not None:
        at, pk = before
        entries = entries.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
    rows = list(entries.select_related("actor").order_by("-at", "-pk")[: PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
