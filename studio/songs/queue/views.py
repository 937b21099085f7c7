"""The queue: active and recent generations, live while anything is in flight; cancel, retry."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from studio.http import HtmxHttpRequest
from studio.songs import lifecycle, services
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import Clip, Generation
from studio.songs.queue.history import attach_history
from studio.teams.access import team_for

Status = Generation.Status
RECENT = timedelta(hours=24)
RECENT_LIMIT = 30


def elapsed(start: datetime, end: datetime) -> str:
    """ "45 s", "3 min 05 s", "2 h 07 min": short enough for a status line on a phone."""
    seconds = max(int((end - start).total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _generation_for_user(user, pk: int) -> Generation:
    return get_object_or_404(Generation, pk=pk, team=team_for(user))


def _queue_context(request: HtmxHttpRequest) -> dict:
    team = team_for(request.user)
    now = timezone.now()
    base = Generation.objects.filter(team=team).select_related("author", "cover_art", "source_clip")
    active = list(base.filter(status__in=Generation.ACTIVE).order_by("created", "pk"))
    finished = list(
        base.exclude(status__in=Generation.ACTIVE)
        .filter(Q(finished__gte=now - RECENT) | Q(created__gte=now - RECENT))
        .order_by("-created", "-pk")[:RECENT_LIMIT]
    )
    for generation in active + finished:
        end = now if generation.is_active else (generation.finished or generation.updated)
        generation.elapsed = elapsed(generation.created, end)  # type: ignore[attr-defined]
        generation.can_cancel = generation.status in lifecycle.CANCELABLE  # type: ignore[attr-defined]
        generation.can_retry = lifecycle.can_retry(generation)  # type: ignore[attr-defined]
    attach_history(active + finished)
    _attach_artwork(finished)
    unreachable = any(
        g.status == Status.QUEUED and g.error_code == ErrorCode.UNREACHABLE for g in active
    )
    return {
        "active": active,
        "finished": finished,
        "polling": bool(active),
        "unreachable": unreachable,
    }


def _attach_artwork(generations: list[Generation]) -> None:
    """`.artwork_url`: the artwork Flow Music made for the first take, for songs without cover
    art of their own (one query for the whole list)."""
    wanted = [g.pk for g in generations if not g.cover_art_id]
    first: dict[int, int] = {}
    for generation_id, clip_id in (
        Clip.objects.filter(generation_id__in=wanted)
        .exclude(image="")
        .order_by("generation_id", "-slot")
        .values_list("generation_id", "pk")
    ):
        first[generation_id] = clip_id  # ordered so that take A comes last and wins
    for generation in generations:
        artwork = first.get(generation.pk)
        url = reverse("clip_file", args=[artwork, "image"]) if artwork else ""
        generation.artwork_url = url  # type: ignore[attr-defined]


def queue(request: HtmxHttpRequest):
    context = _queue_context(request)
    # Set by a successful "Create song": compose.js drops the saved draft on this page.
    context["clear_draft"] = request.session.pop("clear_compose_draft", False)
    return render(request, "songs/queue.html", context)


@require_GET
def queue_list(request: HtmxHttpRequest):
    """The live fragment htmx polls while something is active."""
    return render(request, "songs/partials/queue_list.html", _queue_context(request))


@require_POST
def cancel(request: HtmxHttpRequest, pk: int):
    generation = _generation_for_user(request.user, pk)
    try:
        messages.success(request, services.cancel(generation))
    except services.NotAllowed as exc:
        messages.error(request, str(exc))
    return redirect("queue")


@require_POST
def retry(request: HtmxHttpRequest, pk: int):
    generation = _generation_for_user(request.user, pk)
    try:
        services.retry(generation, request.user)
    except services.NotAllowed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Submitted again as a new song; the old attempt stays listed.")
    return redirect("queue")
