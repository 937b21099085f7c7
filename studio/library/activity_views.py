"""The Team page's Activity section: who made, edited, liked, commented, picked, renamed and
shared what, newest first, a page at a time."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import render

from studio.songs import activity
from studio.teams.access import team_for


def team_activity(request: HttpRequest):
    entries, more = activity.page(team_for(request.user))
    return render(request, "library/partials/activity.html", {"entries": entries, "more": more})
