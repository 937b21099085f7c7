"""A take's edit forms (Extend, Replace section, Cover, Remix) and the song page's Versions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studio.http import HtmxHttpRequest
from studio.library.comments.views import song_context as comments_context
from studio.library.presenters import generation_views
from studio.library.queries import clip_for_user, song_for_user
from studio.library.sharing.views import song_context as sharing_context
from studio.library.stems import stems_of
from studio.library.versions import versions_of
from studio.songs.credits import budgets
from studio.songs.edits.forms import EditForm
from studio.songs.edits.registry import FORMS
from studio.songs.edits.services import create_edit, create_stems
from studio.songs.models import Clip, Generation

VERSIONS_CHANGED = "studio:versions"  # an HX-Trigger: the Versions section reloads itself
STEMS_CHANGED = "studio:stems"  # and the Stems section


def edit_forms(clip: Clip) -> list[EditForm]:
    """The edit panels of a take. Their forms are rendered when a panel is first opened
    (take_edit answers GET): rendering all of them would be most of the song page's time."""
    return [form(clip=clip) for form in FORMS.values()]


def queued_message(form: EditForm) -> str:
    label = Generation.Operation(form.operation).label
    return f"{label} queued: the new take appears in Versions when it is ready."


@require_http_methods(["GET", "POST"])
def take_edit(request: HtmxHttpRequest, pk: int, operation: str):
    """GET: the form (htmx: into its panel; else a page of its own). POST: queue the edit."""
    clip = clip_for_user(request.user, pk)
    form_class = FORMS.get(operation)
    if form_class is None:
        raise Http404("No such edit.")
    if request.method == "GET":
        return _edit_form(request, clip, form_class(clip=clip))
    form = form_class(request.POST, clip=clip)
    if form.is_valid():
        team_id = clip.generation.team_id
        refused = budgets.precheck(team_id, request.user.pk, form.operation, form.cost)
        if refused:
            form.add_error(None, refused)
    if not form.is_valid():
        return _edit_form(request, clip, form, status=200 if request.htmx else 400)
    create_edit(form, request.user)
    if request.htmx:
        response = _edit_form(request, clip, form_class(clip=clip), queued_message(form))
        response["HX-Trigger"] = VERSIONS_CHANGED
        return response
    messages.success(request, queued_message(form))
    return redirect(reverse("song", args=[clip.generation_id]) + "#versions")


def _edit_form(
    request: HtmxHttpRequest, clip: Clip, form: EditForm, message: str = "", status: int = 200
) -> HttpResponse:
    context = {"clip": clip, "form": form, "message": message}
    template = "library/partials/edit_form.html" if request.htmx else "library/edit_page.html"
    return render(request, template, context, status=status)


def song_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One completed song of the team: its takes side by side, their edit panels, Stems,
    Versions, Comments and Share."""
    generation = song_for_user(request.user, pk)
    view = generation_views([generation], request.user)[0]
    for take in view.clips:
        take.edit_forms = edit_forms(take.clip)
    pick = next((clip for clip in view.clips if clip.clip.is_pick), None)
    context = {
        "song": view,
        "pick": pick,
        "versions": versions_of(generation, view),
        "stems": stems_of(generation),
        **comments_context(request, generation),
        **sharing_context(request, generation),
    }
    return render(request, "library/song.html", context)


@require_GET
def song_versions(request: HttpRequest, pk: int):
    """The Versions section alone: htmx reloads it while a version is being made."""
    generation = song_for_user(request.user, pk)
    context = {"versions": versions_of(generation), "song_pk": generation.pk}
    return render(request, "library/partials/versions.html", context)


@require_POST
def take_stems(request: HtmxHttpRequest, pk: int):
    """Stems of a take: a background job (synchronous upstream, up to 2 minutes)."""
    clip = clip_for_user(request.user, pk)
    generation, new = create_stems(clip, request.user)
    message = (
        "Making stems: they appear under Stems in up to two minutes."
        if new
        else "This take's stems are already made or on their way: see Stems."
    )
    page = reverse("song", args=[clip.generation_id])
    if request.htmx:
        response = song_stems(request, clip.generation_id)
        response["HX-Trigger"] = f"{STEMS_CHANGED}, {VERSIONS_CHANGED}"
        return response
    messages.success(request, message)
    return redirect(page + "#stems")


@require_GET
def song_stems(request: HttpRequest, pk: int):
    """The Stems section alone: htmx reloads it while stems are being made."""
    generation = song_for_user(request.user, pk)
    context = {"stems": stems_of(generation), "song_pk": generation.pk}
    return render(request, "library/partials/stems.html", context)
