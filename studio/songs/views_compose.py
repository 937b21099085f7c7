"""Compose: the song form, and the cover art / reference uploads it uses (htmx or plain POST).

The cover and reference controls are small forms of their own; their inputs that the song needs
(radio `cover_art`, checkboxes `extra_images` / `reference_audio`) belong to the song form
through the HTML `form` attribute, so each part works on its own.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator, get_valid_filename
from django.views.decorators.http import require_GET, require_POST

from studio.flowmusic import UpstreamError
from studio.songs import covers, forms, services, uploads
from studio.songs.models import CoverArt, CoverArtJob, Generation, ReferenceAudio
from studio.songs.views import HtmxHttpRequest, upstream_accounts
from studio.teams.access import team_for

RECENT_JOBS = timedelta(minutes=30)
SHOWN_JOBS = 3


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


def _in_order(model, team, ids: list[int]) -> list[Any]:
    found = model.objects.filter(team=team).in_bulk(ids)
    seen: list[Any] = []
    for pk in ids:
        if pk in found and found[pk] not in seen:
            seen.append(found[pk])
    return seen


def _job_covers(job: CoverArtJob) -> list[CoverArt]:
    return _in_order(CoverArt, job.team, [int(pk) for pk in job.cover_ids])


def _selection(form: forms.SongForm) -> tuple[int | None, list[int], list[int]]:
    """The chosen cover, extra images and audio ids, as typed (bound) or pre-filled."""
    if isinstance(form.data, QueryDict):
        cover = _ids([form.data.get("cover_art") or ""])
        extras = _ids(form.data.getlist("extra_images"))
        audio = _ids(form.data.getlist("reference_audio"))
    else:
        cover = [form.initial["cover_art"]] if form.initial.get("cover_art") else []
        extras = list(form.initial.get("extra_images", []))
        audio = list(form.initial.get("reference_audio", []))
    return (cover[0] if cover else None), extras, audio


def _render(request: HtmxHttpRequest, form: forms.SongForm, known, problem: str = "", **parts):
    team = team_for(request.user)
    cover_id, extra_ids, audio_ids = _selection(form)
    jobs = [
        covers.expire_if_stale(job)
        for job in CoverArtJob.objects.filter(
            team=team, author=request.user, created__gte=timezone.now() - RECENT_JOBS
        )[:SHOWN_JOBS]
    ]
    shown = [(job, _job_covers(job)) for job in jobs]
    in_jobs = {cover.pk for _, images in shown for cover in images}
    picked = _in_order(CoverArt, team, [cover_id] if cover_id and cover_id not in in_jobs else [])
    data = form.data if form.is_bound else {}
    account = (data.get("account") if data else form.initial.get("account")) or ""
    account_error = next((a.error for a in known if a.email == account and a.error), "")
    context = {
        "form": form,
        "cover_form": parts.get("cover_form")
        or forms.CoverArtForm(accounts=known, auto_id="cover_%s"),
        "upload_form": parts.get("upload_form") or _image_form(known, "cover"),
        "extra_form": parts.get("extra_form") or _image_form(known, "extra"),
        "audio_form": parts.get("audio_form") or forms.AudioUploadForm(auto_id="audio_%s"),
        "jobs": shown,
        "picked": picked,
        "cover_id": cover_id,
        "extra_images": _in_order(CoverArt, team, extra_ids),
        "reference_audio": _in_order(ReferenceAudio, team, audio_ids),
        "account_problem": problem,
        "account_error": account_error,
        "tags": forms.SECTION_TAGS,
        "rsflowhub_costs": forms.CoverArtForm.costs(),
        "limits": {"prompt": forms.PROMPT_MAX, "lyrics": forms.LYRICS_MAX},
        "counts": {
            name: len(str((data.get(name) if data else form.initial.get(name)) or ""))
            for name in ("prompt", "lyrics")
        },
        "restore_draft": not form.is_bound and not form.initial,
        "notes": {
            "instrumental": forms.INSTRUMENTAL_NOTE,
            "audio": forms.AUDIO_NOTE,
        },
    }
    return render(request, "songs/compose.html", context, status=parts.get("status", 200))


def _image_form(known, purpose: str, data=None, files=None) -> forms.ImageUploadForm:
    return forms.ImageUploadForm(
        data, files, accounts=known, auto_id=f"{purpose}_%s", initial={"purpose": purpose}
    )


def _initial_from(request: HtmxHttpRequest, team) -> dict[str, Any]:
    """Pre-filled values: another generation's settings (?from=), or items just uploaded."""
    initial: dict[str, Any] = {}
    source = request.GET.get("from")
    if source is not None:
        if not source.isdigit():
            raise Http404("No such song.")
        generation = get_object_or_404(Generation, pk=int(source), team=team)
        initial = {
            "prompt": generation.prompt,
            "lyrics": generation.lyrics,
            "instrumental": generation.instrumental,
            "ghostwriter": generation.ghostwriter or Generation.Ghostwriter.STANDARD,
            "account": generation.account_choice,
            "cover_art": generation.cover_art_id,
            "extra_images": list(generation.extra_image_ids),
            "reference_audio": list(generation.reference_audio_ids),
        }
    cover = _team_ids(CoverArt, team, request.GET.getlist("cover"))
    if cover:
        initial["cover_art"] = cover[-1]
    for name, key, model in (
        ("extra_images", "extra", CoverArt),
        ("reference_audio", "audio", ReferenceAudio),
    ):
        if request.GET.getlist(key):
            ids = _team_ids(model, team, request.GET.getlist(key))
            initial[name] = initial.get(name, []) + ids
    return initial


def _team_ids(model, team, values: list[str]) -> list[int]:
    """Ids from the query string; another team's (or a missing) one is a 404, as in a path."""
    ids = _ids(values)
    if len(ids) != len(values) or model.objects.filter(pk__in=ids, team=team).count() != len(
        set(ids)
    ):
        raise Http404("No such file.")
    return ids


def compose(request: HtmxHttpRequest):
    team = team_for(request.user)
    if request.method == "POST":
        known, problem = upstream_accounts()
        form = forms.SongForm(request.POST, team=team, accounts=known)
        if form.is_valid():
            fields = form.generation_fields()
            services.create_generation(team=team, author=request.user, **fields)
            excerpt = Truncator(fields["prompt"]).chars(80)
            messages.success(request, f"Song queued: “{excerpt}”. It will play in the library.")
            request.session["clear_compose_draft"] = True
            return redirect("queue")
        return _render(request, form, known, problem)
    known, problem = upstream_accounts()
    initial = _initial_from(request, team)
    return _render(
        request, forms.SongForm(initial=initial, team=team, accounts=known), known, problem
    )


def _back_to_compose(**params: Any):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return redirect(reverse("compose") + (f"?{query}" if query else ""))


def _no_js_error(request: HtmxHttpRequest, known, **parts):
    """Without htmx a failed side form re-renders the whole page with its errors."""
    team = team_for(request.user)
    form = forms.SongForm(team=team, accounts=known)
    return _render(request, form, known, status=400, **parts)


@require_POST
def cover_generate(request: HtmxHttpRequest):
    team = team_for(request.user)
    known, _ = upstream_accounts()
    form = forms.CoverArtForm(request.POST, accounts=known, auto_id="cover_%s")
    job = None
    if form.is_valid():
        job = covers.start_job(team, request.user, **form.job_fields())
    if not request.htmx:
        return _back_to_compose() if job else _no_js_error(request, known, cover_form=form)
    context: dict[str, Any] = {
        "cover_form": form,
        "job": job,
        "covers": [],
        "rsflowhub_costs": forms.CoverArtForm.costs(),
    }
    return render(request, "songs/partials/cover_generate.html", context)


@require_GET
def cover_job(request: HtmxHttpRequest, pk: int):
    job = get_object_or_404(CoverArtJob, pk=pk, team=team_for(request.user))
    job = covers.expire_if_stale(job)
    context = {"job": job, "covers": _job_covers(job), "cover_id": None, "autopick": True}
    return render(request, "songs/partials/cover_job.html", context)


@require_POST
def image_upload(request: HtmxHttpRequest):
    team = team_for(request.user)
    known, _ = upstream_accounts()
    purpose = "extra" if request.POST.get("purpose") == "extra" else "cover"
    form = _image_form(known, purpose, request.POST, request.FILES)
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
            return _no_js_error(request, known, **{part: form})
        return _back_to_compose(**{"cover" if purpose == "cover" else "extra": cover.pk})
    context = {
        "form": form if cover is None else _image_form(known, purpose),
        "purpose": purpose,
        "cover": cover,
        "cover_id": cover.pk if cover else None,
    }
    return render(request, "songs/partials/image_upload.html", context)


@require_POST
def audio_upload(request: HtmxHttpRequest):
    team = team_for(request.user)
    form = forms.AudioUploadForm(request.POST, request.FILES, auto_id="audio_%s")
    audio = None
    if form.is_valid():
        upload = form.cleaned_data["audio"]
        name = get_valid_filename(upload.name or "audio")[:200] or "audio"
        audio = ReferenceAudio(team=team, author=request.user, name=name)
        audio.content_type = form.content_type
        extension = uploads.EXTENSIONS[form.content_type]
        audio.audio.save(f"{uuid.uuid4().hex}{extension}", upload, save=True)
    if not request.htmx:
        if audio is None:
            known, _ = upstream_accounts()
            return _no_js_error(request, known, audio_form=form)
        return _back_to_compose(audio=audio.pk)
    context = {
        "form": form if audio is None else forms.AudioUploadForm(auto_id="audio_%s"),
        "audio": audio,
    }
    return render(request, "songs/partials/audio_upload.html", context)


@require_POST
def cover_use(request: HtmxHttpRequest, pk: int):
    """A cover was picked: give it a Flow Music asset id on the chosen account now."""
    cover = get_object_or_404(CoverArt, pk=pk, team=team_for(request.user))
    known, _ = upstream_accounts()
    form = forms.UseCoverForm(request.POST, accounts=known)
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
        return _back_to_compose(cover=cover.pk)
    return render(request, "songs/partials/cover_use.html", context)
