"""Compose: the song form page (the cover art and reference endpoints are in cover_views.py).

The cover and reference controls are small forms of their own; their inputs that the song needs
(radio `cover_art`, checkboxes `extra_images` / `reference_audio`) belong to the song form
through the HTML `form` attribute, so each part works on its own.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from studio.http import HtmxHttpRequest
from studio.songs import services
from studio.songs.compose import cover_forms, covers, forms
from studio.songs.compose.fields import parse_id, utf16_length
from studio.songs.credits import budgets, costs
from studio.songs.models import CoverArt, CoverArtJob, Generation, ReferenceAudio
from studio.songs.pipeline.accounts import for_page as upstream_accounts
from studio.teams.access import team_for

RECENT_JOBS = timedelta(minutes=30)
SHOWN_JOBS = 3


def _ids(values: list[str], model) -> list[int]:
    """The values that can be ids of `model` (see parse_id); the others are dropped."""
    return [pk for pk in (parse_id(value, model) for value in values) if pk is not None]


def _in_order(model, team, ids: list[int]) -> list[Any]:
    found = model.objects.filter(team=team).in_bulk(ids)
    seen: list[Any] = []
    for pk in ids:
        if pk in found and found[pk] not in seen:
            seen.append(found[pk])
    return seen


def job_covers(job: CoverArtJob) -> list[CoverArt]:
    return _in_order(CoverArt, job.team, [int(pk) for pk in job.cover_ids])


def _selection(form: forms.SongForm) -> tuple[int | None, list[int], list[int]]:
    """The chosen cover, extra images and audio ids, as typed (bound) or pre-filled."""
    if isinstance(form.data, QueryDict):
        cover = _ids([form.data.get("cover_art") or ""], CoverArt)
        extras = _ids(form.data.getlist("extra_images"), CoverArt)
        audio = _ids(form.data.getlist("reference_audio"), ReferenceAudio)
    else:
        cover = [form.initial["cover_art"]] if form.initial.get("cover_art") else []
        extras = list(form.initial.get("extra_images", []))
        audio = list(form.initial.get("reference_audio", []))
    return (cover[0] if cover else None), extras, audio


def render_compose(
    request: HtmxHttpRequest, form: forms.SongForm, known, problem: str = "", **parts
):
    """The compose page; `parts` are side forms re-rendered with their errors, the lyrics
    assistant's state (lyrics_draft, lyrics_previous, lyrics_unticked) and `status`."""
    team = team_for(request.user)
    cover_id, extra_ids, audio_ids = _selection(form)
    shown = _recent_jobs(request, team)
    in_jobs = {cover.pk for _, images in shown for cover in images}
    picked = _in_order(CoverArt, team, [cover_id] if cover_id and cover_id not in in_jobs else [])
    value = _typed_value(form)
    account = value("account")
    counts = {name: utf16_length(value(name)) for name in ("prompt", "lyrics")}
    context = {
        **_side_forms(known, parts),
        "form": form,
        "jobs": shown,
        "picked": picked,
        "cover_id": cover_id,
        "extra_images": _in_order(CoverArt, team, extra_ids),
        "reference_audio": _in_order(ReferenceAudio, team, audio_ids),
        "account_problem": problem,
        "account_error": next((a.error for a in known if a.email == account and a.error), ""),
        "tags": forms.SECTION_TAGS,
        "rsflowhub_costs": cover_forms.CoverArtForm.costs(),
        "limits": forms.LIMITS,
        "counts": counts,
        "count_text": {name: f"{count:,}" for name, count in counts.items()},
        "restore_draft": not form.is_bound and not form.initial,
        "notes": {"instrumental": forms.INSTRUMENTAL_NOTE, "required": forms.PROMPT_REQUIRED},
        "song_cost": costs.expected(Generation.Operation.SONG),
        "budget": budgets.state(team.pk, request.user.pk),
    }
    return render(request, "songs/compose.html", context, status=parts.get("status", 200))


def _typed_value(form: forms.SongForm):
    """A field's text as the page shows it: typed (bound) or pre-filled."""
    source = form.data if form.is_bound else form.initial

    def value(name: str) -> str:
        return str(source.get(name) or "")

    return value


def _recent_jobs(request: HtmxHttpRequest, team) -> list[tuple[CoverArtJob, list[CoverArt]]]:
    jobs = CoverArtJob.objects.filter(
        team=team, author=request.user, created__gte=timezone.now() - RECENT_JOBS
    )[:SHOWN_JOBS]
    return [(job, job_covers(job)) for job in (covers.expire_if_stale(job) for job in jobs)]


def _side_forms(known, parts: dict[str, Any]) -> dict[str, Any]:
    """The page's other forms: as re-rendered with their errors, or fresh."""
    return {
        "cover_form": parts.get("cover_form")
        or cover_forms.CoverArtForm(accounts=known, auto_id="cover_%s"),
        "upload_form": parts.get("upload_form") or image_form(known, "cover"),
        "extra_form": parts.get("extra_form") or image_form(known, "extra"),
        "audio_form": parts.get("audio_form") or cover_forms.AudioUploadForm(auto_id="audio_%s"),
        "lyrics_form": parts.get("lyrics_form") or forms.LyricsRequestForm(accounts=known),
        "lyrics_draft": parts.get("lyrics_draft"),
        "lyrics_previous": parts.get("lyrics_previous"),
        "lyrics_unticked": parts.get("lyrics_unticked", False),
    }


def image_form(known, purpose: str, data=None, files=None) -> cover_forms.ImageUploadForm:
    return cover_forms.ImageUploadForm(
        data, files, accounts=known, auto_id=f"{purpose}_%s", initial={"purpose": purpose}
    )


def _initial_from(request: HtmxHttpRequest, team) -> dict[str, Any]:
    """Pre-filled values: another generation's settings (?from=), or items just uploaded."""
    initial: dict[str, Any] = {}
    source = request.GET.get("from")
    if source is not None:
        pk = parse_id(source, Generation)
        if pk is None:
            raise Http404("No such song.")
        generation = get_object_or_404(Generation, pk=pk, team=team)
        initial = {
            "prompt": generation.prompt,
            "title": generation.title,
            "model": generation.model or Generation.Model.LYRIA_3_PRO,
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
    ids = _ids(values, model)
    if len(ids) != len(values) or model.objects.filter(pk__in=ids, team=team).count() != len(
        set(ids)
    ):
        raise Http404("No such file.")
    return ids


def _over_budget(form: forms.SongForm, team, user) -> bool:
    """A song the member's budget cannot cover is refused here, with the numbers."""
    cost = costs.expected(Generation.Operation.SONG)
    refused = budgets.precheck(team.pk, user.pk, Generation.Operation.SONG, cost)
    if refused:
        form.add_error(None, refused)
    return bool(refused)


def compose(request: HtmxHttpRequest):
    team = team_for(request.user)
    if request.method == "POST":
        known, problem = upstream_accounts()
        form = forms.SongForm(request.POST, team=team, accounts=known)
        if form.is_valid() and not _over_budget(form, team, request.user):
            fields = form.generation_fields()
            services.create_generation(team=team, author=request.user, **fields)
            excerpt = Truncator(fields["prompt"]).chars(80)
            messages.success(request, f"Song queued: “{excerpt}”. It will play in the library.")
            request.session["clear_compose_draft"] = True
            return redirect("queue")
        return render_compose(request, form, known, problem)
    known, problem = upstream_accounts()
    initial = _initial_from(request, team)
    return render_compose(
        request, forms.SongForm(initial=initial, team=team, accounts=known), known, problem
    )


def back_to_compose(**params: Any):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return redirect(reverse("compose") + (f"?{query}" if query else ""))


def no_js_error(request: HtmxHttpRequest, known, **parts):
    """Without htmx a failed side form re-renders the whole page with its errors."""
    team = team_for(request.user)
    form = forms.SongForm(team=team, accounts=known)
    return render_compose(request, form, known, status=400, **parts)
