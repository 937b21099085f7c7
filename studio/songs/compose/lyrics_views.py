"""The lyrics assistant's endpoints: "Write lyrics for me" and the draft's status fragment.

The button sits inside the song form, so its POST carries everything the page holds. With htmx
the answer is the status fragment (it polls until the draft is done, then compose.js fills
the Lyrics field); without JavaScript it is the whole page again, keeping what was typed, and
the same form's "Check again" and "Undo" buttons come back here.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from studio.http import HtmxHttpRequest
from studio.songs.compose import forms, lyrics
from studio.songs.compose.fields import parse_id
from studio.songs.compose.views import render_compose
from studio.songs.models import CoverArt, LyricsDraft, ReferenceAudio
from studio.songs.pipeline.accounts import for_page as upstream_accounts
from studio.teams.access import team_for

PARTIAL = "songs/partials/lyrics_draft.html"
# The song form's text fields, posted along with the button and shown again.
TYPED_FIELDS = ("prompt", "title", "lyrics", "ghostwriter", "model", "account")
Completed = LyricsDraft.Status.COMPLETED


def _draft_for_user(request: HtmxHttpRequest, pk: int) -> LyricsDraft:
    """The team's draft (another team's id is a 404), shown as failed when it stalled."""
    draft = get_object_or_404(LyricsDraft, pk=pk, team=team_for(request.user))
    return lyrics.expire_if_stale(draft)


@require_POST
def lyrics_draft(request: HtmxHttpRequest):
    known, problem = upstream_accounts()
    form = forms.LyricsRequestForm(request.POST, accounts=known)
    if not request.htmx:
        return _whole_page(request, form, known, problem)
    draft = None
    if form.is_valid():
        draft = lyrics.start_draft(team_for(request.user), request.user, **form.draft_fields())
    return render(request, PARTIAL, {"lyrics_form": form, "draft": draft})


@require_GET
def lyrics_draft_status(request: HtmxHttpRequest, pk: int):
    """The polled fragment; once completed it carries the lyrics for compose.js to fill in."""
    draft = _draft_for_user(request, pk)
    return render(request, PARTIAL, {"draft": draft, "fill": draft.status == Completed})


def _whole_page(request: HtmxHttpRequest, form: forms.LyricsRequestForm, known, problem: str):
    """Without JavaScript: start a draft, look at one ("Check again") or undo its filling."""
    typed = _typed(request.POST)
    # Undo and Check again show the assistant's fields as typed, without judging them.
    quiet = {name: _text(request.POST, name) for name in ("lyrics_theme", "lyrics_structure")}
    parts: dict[str, Any] = {"lyrics_form": forms.LyricsRequestForm(accounts=known, initial=quiet)}
    check = parse_id(request.POST.get("lyrics_check", ""), LyricsDraft)
    if "lyrics_undo" in request.POST:
        typed["lyrics"] = _text(request.POST, "previous_lyrics")
        typed["title"] = _text(request.POST, "previous_title")
        typed["instrumental"] = request.POST.get("previous_instrumental") == "on"
    elif check is not None:
        draft = parts["lyrics_draft"] = _draft_for_user(request, check)
        if draft.status == Completed:
            parts.update(_fill(typed, draft))
    elif form.is_valid():
        team = team_for(request.user)
        parts["lyrics_draft"] = lyrics.start_draft(team, request.user, **form.draft_fields())
        parts["lyrics_form"] = form
    else:
        parts["lyrics_form"], parts["status"] = form, 400  # an HTTP status (not a job's)
    song_form = forms.SongForm(initial=typed, team=team_for(request.user), accounts=known)
    return render_compose(request, song_form, known, problem, **parts)


def _fill(typed: dict[str, Any], draft: LyricsDraft) -> dict[str, Any]:
    """Put the draft in the form, keeping what it replaces for Undo."""
    previous = {
        "lyrics": typed["lyrics"],
        "title": typed["title"],
        "instrumental": typed["instrumental"],
    }
    typed["lyrics"] = draft.lyrics
    typed["title"] = typed["title"] or draft.title
    typed["instrumental"] = False  # lyrics make it a vocal song; the page says so
    return {"lyrics_previous": previous, "lyrics_unticked": previous["instrumental"]}


def _text(data: QueryDict, name: str) -> str:
    return (data.get(name) or "").replace("\r\n", "\n")


def _typed(data: QueryDict) -> dict[str, Any]:
    """The song form's values as posted, to show them again (checked when the song is sent)."""
    typed: dict[str, Any] = {name: _text(data, name) for name in TYPED_FIELDS}
    typed["instrumental"] = data.get("instrumental") == "on"
    typed["cover_art"] = parse_id(data.get("cover_art", ""), CoverArt)
    for name, model in (("extra_images", CoverArt), ("reference_audio", ReferenceAudio)):
        ids = (parse_id(value, model) for value in data.getlist(name))
        typed[name] = [pk for pk in ids if pk is not None]
    return typed
