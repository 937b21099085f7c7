from __future__ import annotations

from django.shortcuts import render

from studio.teams.access import team_for


def library(request):
    team_for(request.user)
    return render(request, "library/library.html", {})
