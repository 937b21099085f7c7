"""The library (home page): the team's finished songs, one song's page, and clips' files."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from studio.http import HtmxHttpRequest
from studio.library.downloads import clip_name
from studio.library.edit_views import song_page
from studio.library.filter_panel import filters_panel
from studio.library.forms import LibraryFilterForm
from studio.library.presenters import generation_views
from studio.library.queries import (
    clip_for_user,
    is_filtered,
    library_page,
    teammates,
)
from studio.library.rows import library_rows
from studio.mediatypes import CLIP_FILES, extension
from studio.serving import serve_file
from studio.teams.access import team_for

# The file kinds in download URLs, and the clip field each one serves.
CLIP_FIELDS = {"wav": "wav", "m4a": "audio", "image": "image"}


def library(request: HtmxHttpRequest):
    team = team_for(request.user)
    form = LibraryFilterForm(request.GET, members=teammates(team, request.user))
    filters = form.filters()
    page = library_page(team, request.user, filters, request.GET)
    items = generation_views(page.items, request.user)
    filtered = is_filtered(filters)
    context = {
        "form": form,
        "page": page,
        "items": items,
        "rows": library_rows(request, items, request.get_full_path()),
        "filtered": filtered,
    }
    htmx = request.htmx
    partial = htmx.target == "library-results" and not htmx.history_restore_request
    if not partial:
        context["filters_panel"] = filters_panel(form, filtered)
    template = "library/partials/results.html" if partial else "library/library.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def song(request: HttpRequest, pk: int):
    """One completed song of the team: its takes, side by side; their edits; its Versions."""
    return song_page(request, pk)


def clip_file(request: HttpRequest, pk: int, kind: str):
    """A clip's m4a (the player), WAV or image; ``?download`` saves it under the clip's name."""
    if kind not in CLIP_FIELDS:
        raise Http404("No such file.")
    clip = clip_for_user(request.user, pk)
    field_name = CLIP_FIELDS[kind]
    content_type = CLIP_FILES[field_name]
    return serve_file(
        request,
        getattr(clip, field_name),
        filename=clip_name(clip) + extension(content_type),
        attachment="download" in request.GET,
        content_type=content_type,
    )
