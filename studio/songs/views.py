from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

from studio.teams.access import team_for


def compose(request):
    team_for(request.user)
    return render(request, "songs/compose.html", {})


def queue(request):
    team_for(request.user)
    return render(request, "songs/queue.html", {})


def settings_page(request):
    team_for(request.user)
    context = {
        "simulated": settings.FLOWMUSIC_SIMULATED,
        "flowmusic_url": settings.FLOWMUSIC_API_URL,
        "rsflowhub_enabled": bool(settings.RSFLOWHUB_API_KEY),
        "public_url": settings.PUBLIC_URL,
        "broker": "Redis" if settings.REDIS_URL else "Database (django-q2 ORM broker)",
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
    }
    return render(request, "songs/settings.html", context)
