"""A take's exports (MP3, FLAC, tagged WAV and m4a), served like its stored files."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from studio.library import exports
from studio.library.downloads import clip_name
from studio.library.queries import clip_for_user
from studio.serving import serve_file
from studio.songs.models import Clip


def _clip_with_tag_sources(user, pk: int) -> Clip:
    """The user's clip with what its tags are made of, in one query (404 for another team)."""
    clip = clip_for_user(user, pk)
    related = ("generation__author", "generation__team", "generation__cover_art")
    return Clip.objects.select_related(*related, "generation__source_clip").get(pk=clip.pk)


def clip_export(request: HttpRequest, pk: int, fmt: str):
    """The take as ``fmt``, tagged; made on the first request, then served from storage with
    Range and X-Accel like any clip file. ``?download`` saves it under the take's name."""
    if fmt not in exports.FORMATS:
        raise Http404("No such format.")
    clip = _clip_with_tag_sources(request.user, pk)
    try:
        stored = exports.clip_export(clip, fmt)
    except exports.ExportError as error:
        raise Http404(str(error)) from None
    spec = exports.FORMATS[fmt]
    return serve_file(
        request,
        stored,
        filename=clip_name(clip) + spec.extension,
        attachment="download" in request.GET,
        content_type=spec.content_type,
    )
