"""The compose page's cover art and reference endpoints (htmx fragments, or a full page
without JavaScript), and the view that serves a team's cover images."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_GET, require_POST

from studio.flowmusic import UpstreamError
from studio.http import HtmxHttpRequest
from studio.mediatypes import EXTENSIONS, extension
from studio.serving import serve_file
from studio.songs.compose import cover_forms, covers
from studio.songs.compose.views import (
    back_to_compose,
    image_form,
    job_covers,
    no_js_error,
)
from studio.songs.models import CoverArt, CoverArtJob, ReferenceAudio
from studio.songs.pipeline.accounts import for_page as upstream_accounts
from studio.teams.access import team_for


@require_POST
def cover_generate(request: HtmxHttpRequest):
    team = team_for(request.user)
    known, _ = upstream_accounts()
    form = cover_forms.CoverArtForm(request.POST, accounts=known, auto_id="cover_%s")
    job = None
    if form.is_valid():
        job = covers.start_job(team, request.user, **form.job_fields())
    if not request.htmx:
        return back_to_compose() if job else no_js_error(request, known, cover_form=form)
    context: dict[str, Any] = {
        "cover_form": form,
        "job": job,
        "covers": [],
        "rsflowhub_costs": cover_forms.CoverArtForm.costs(),
    }
    return render(request, "songs/partials/cover_generate.html", context)


@require_GET
def cover_job(request: HtmxHttpRequest, pk: int):
    job = get_object_or_404(CoverArtJob, pk=pk, team=team_for(request.user))
    job = covers.expire_if_stale(job)
    context = {"job": job, "covers": job_covers(job), "cover_id": None, "autopick": True}
    return render(request, "songs/partials/cover_job.html", context)


@require_POST
def image_upload(request: HtmxHttpRequest):
    team = team_for(request.user)
    known, _ = upstream_accounts()
    purpose = "extra" if request.POST.get("purpose") == "extra" else "cover"
    form = image_form(known, purpose, request.POST, request.FILES)
    cover = None
    if form.is_valid() and form.info is not None:
        try:
            cover = covers.store_upload(
                team,
                request.user,
                form.cleaned_data["image"],
                form.info,
                account_choice=form.cleaned_data["account"],
            )
        except UpstreamError as exc:
            form.add_error("image", f"Flow Music did not take the image: {exc.message}")
    part = "upload_form" if purpose == "cover" else "extra_form"
    if not request.htmx:
        if cover is None:
            return no_js_error(request, known, **{part: form})
        return back_to_compose(**{"cover" if purpose == "cover" else "extra": cover.pk})
    context = {
        "form": form if cover is None else image_form(known, purpose),
        "purpose": purpose,
        "cover": cover,
        "cover_id": cover.pk if cover else None,
    }
    return render(request, "songs/partials/image_upload.html", context)


@require_POST
def audio_upload(request: HtmxHttpRequest):
    team = team_for(request.user)
    form = cover_forms.AudioUploadForm(request.POST, request.FILES, auto_id="audio_%s")
    audio = None
    if form.is_valid():
        upload = form.cleaned_data["audio"]
        name = get_valid_filename(upload.name or "audio")[:200] or "audio"
        audio = ReferenceAudio(team=team, author=request.user, name=name)
        audio.content_type = form.content_type
        extension = EXTENSIONS[form.content_type]
        audio.audio.save(f"{uuid.uuid4().hex}{extension}", upload, save=True)
    if not request.htmx:
        if audio is None:
            known, _ = upstream_accounts()
            return no_js_error(request, known, audio_form=form)
        return back_to_compose(audio=audio.pk)
    context = {
        "form": form if audio is None else cover_forms.AudioUploadForm(auto_id="audio_%s"),
        "audio": audio,
    }
    return render(request, "songs/partials/audio_upload.html", context)


@require_POST
def cover_use(request: HtmxHttpRequest, pk: int):
    """A cover was picked: give it a Flow Music asset id on the chosen account now."""
    cover = get_object_or_404(CoverArt, pk=pk, team=team_for(request.user))
    known, _ = upstream_accounts()
    form = cover_forms.UseCoverForm(request.POST, accounts=known)
    context: dict[str, Any] = {"cover": cover}
    if not form.is_valid():
        context["error"] = "Choose Auto or one of the listed accounts."
    else:
        try:
            context["asset_id"], context["email"] = covers.ensure_asset(
                cover, form.cleaned_data["account"]
            )
        except UpstreamError as exc:
            context["error"] = exc.message
    if not request.htmx:
        if "error" in context:
            messages.error(request, context["error"])
        return back_to_compose(cover=cover.pk)
    return render(request, "songs/partials/cover_use.html", context)


def cover_image(request: HtmxHttpRequest, pk: int):
    """A team's cover image, behind the team check (another team's id is a 404)."""
    cover = get_object_or_404(CoverArt, pk=pk, team=team_for(request.user))
    return serve_file(
        request,
        cover.image,
        filename=f"Cover {cover.pk}{extension(cover.content_type, '.jpg')}",
        attachment="download" in request.GET,
        content_type=cover.content_type or None,
    )
