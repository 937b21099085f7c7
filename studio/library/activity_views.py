"""The Team page's Activity section: who made, edited, liked, commented, picked, renamed and
shared what, newest first, a page at a time ("Older activity")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.shortcuts import render
from django.urls import reverse

from studio.http import HtmxHttpRequest
from studio.library.presenters import duration_text
from studio.songs import activity
from studio.songs.models import Activity, Generation
from studio.teams.access import team_for

Verb = Activity.Verb
# An edit says what it did: "tom extended “Night Drive”".
EDIT_VERBS = {
    Generation.Operation.EXTEND: "extended",
    Generation.Operation.REPLACE: "replaced a section of",
    Generation.Operation.COVER: "made a cover of",
    Generation.Operation.REMIX: "remixed",
    Generation.Operation.EFFECT: "added an effect to",
    Generation.Operation.STEMS: "made stems of",
}


@dataclass
class Entry:
    """One line: "<actor> <verb> “<subject>”<after>", the subject linked when it still exists."""

    activity: Activity
    actor: str
    verb: str
    subject: str
    url: str = ""
    after: str = ""  # " to “New title”", " at 1:12", " to “Album”"


def describe(entry: Activity) -> Entry:
    detail = entry.detail or {}
    url = reverse("song", args=[entry.generation_id]) if entry.generation_id else ""
    if entry.clip_id and url:
        url += f"#clip-{entry.clip_id}"
    verb, after = entry.get_verb_display(), ""
    if entry.verb == Verb.EDITED:
        verb = EDIT_VERBS.get(detail.get("operation", ""), verb)
    elif entry.verb == Verb.RENAMED:
        after = f" to “{detail.get('new') or 'Untitled'}”"
    elif entry.verb == Verb.PICKED and detail.get("old"):
        after = f" (was take {detail['old']})"
    elif entry.verb == Verb.COMMENTED and isinstance(detail.get("at"), int | float):
        after = f" at {duration_text(detail['at'])}"
    elif entry.verb == Verb.PROJECT_ADDED:
        verb, after = "added", f" to “{detail.get('name', 'a project')}”"
    elif entry.verb == Verb.PROJECT_CREATED and detail.get("project"):
        url = reverse("project", args=[detail["project"]])
    actor = entry.actor.get_username() if entry.actor else "Someone"
    return Entry(entry, actor, verb, entry.subject or "Untitled", url, after)


def _cursor(text: str | None) -> tuple[datetime, int] | None:
    """ "<ISO time>_<id>" of the last entry shown; anything else is the first page."""
    at, _, pk = (text or "").rpartition("_")
    try:
        return datetime.fromisoformat(at), int(pk)
    except ValueError:
        return None


def team_activity(request: HtmxHttpRequest):
    """htmx: the section's list (and "Older activity" appends the next page); else a page."""
    entries, more = activity.page(team_for(request.user), _cursor(request.GET.get("before")))
    last = entries[-1] if entries else None
    context = {
        "entries": [describe(entry) for entry in entries],
        "older": f"{last.at.isoformat()}_{last.pk}" if more and last else "",
        "first_page": not request.GET.get("before"),
    }
    htmx = request.htmx  # a boosted link or Back wants the whole page
    partial = htmx and not htmx.boosted and not htmx.history_restore_request
    template = "library/partials/activity.html" if partial else "library/activity_page.html"
    return render(request, template, context)
