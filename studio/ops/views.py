"""The Settings page: the upstream's status, its accounts and the team's last errors."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

from studio.http import HtmxHttpRequest
from studio.songs.compose import covers
from studio.songs.models import CoverArtJob, Generation
from studio.songs.pipeline import accounts
from studio.teams.access import team_for

LAST_ERRORS = 10


def settings_page(request: HtmxHttpRequest):
    team = team_for(request.user)
    known, problem = accounts.for_page(force=True)
    rows = [(account, accounts.running_on(account.email)) for account in known]
    failed = [Generation.Status.FAILED, Generation.Status.UNKNOWN]
    context = {
        "simulated": settings.FLOWMUSIC_SIMULATED,
        "flowmusic_url": settings.FLOWMUSIC_API_URL,
        "reachable": not problem,
        "upstream_error": problem,
        "accounts": rows,
        "rsflowhub_enabled": covers.rsflowhub_enabled(),
        "public_url": settings.PUBLIC_URL,
        "broker": "Redis" if settings.REDIS_URL else "Database (django-q2 ORM broker)",
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "song_errors": Generation.objects.filter(team=team, status__in=failed)
        .exclude(error_message="")
        .select_related("author")
        .order_by("-updated")[:LAST_ERRORS],
        "cover_errors": CoverArtJob.objects.filter(team=team, status=CoverArtJob.Status.FAILED)
        .select_related("author")
        .order_by("-created")[:LAST_ERRORS],
    }
    return render(request, "ops/settings.html", context)
