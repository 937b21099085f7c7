from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from studio.library.media import serve_file
from studio.songs.models import Clip
from studio.teams.access import team_for

CLIP_FILES = {
    "wav": ("wav", ".wav", "audio/wav"),
    "m4a": ("audio", ".m4a", "audio/mp4"),
    "image": ("image", ".jpg", "image/jpeg"),
}


def library(request):
    team_for(request.user)
    return render(request, "library/library.html", {})


def clip_for_user(user, pk: int) -> Clip:
    """A clip of the user's team, or 404 (never 403: other teams' ids do not exist for them)."""
    return get_object_or_404(
        Clip.objects.select_related("generation"), pk=pk, generation__team=team_for(user)
    )


def clip_file(request, pk: int, kind: str):
    if kind not in CLIP_FILES:
        raise Http404("No such file.")
    clip = clip_for_user(request.user, pk)
    field, extension, content_type = CLIP_FILES[kind]
    title = clip.title or f"Song {clip.generation_id}"
    return serve_file(
        request,
        getattr(clip, field),
        filename=f"{title} ({clip.slot}){extension}",
        attachment="download" in request.GET,
        content_type=content_type,
    )
