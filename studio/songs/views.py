"""The Settings page, and what the song pages share (compose: views_compose, queue: views_queue)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from studio.flowmusic import FlowMusicClient, UpstreamError
from studio.songs import accounts, covers
from studio.songs.models import CoverArtJob, Generation, UpstreamAccount
from studio.teams.access import team_for

# Pages wait this long for Flow Music before showing what they last knew.
PAGE_TIMEOUT = 3.0
LAST_ERRORS = 10


class HtmxHttpRequest(HttpRequest):
    """A signed-in request (login is required everywhere) that went through HtmxMiddleware."""

    user: User
    htmx: HtmxDetails


def page_client() -> FlowMusicClient:
    """A Flow Music client with a short timeout, for calls made while a page loads."""
    if not settings.FLOWMUSIC_API_URL:
        raise ImproperlyConfigured("FLOWMUSIC_API_URL is empty.")
    token = settings.FLOWMUSIC_API_TOKEN or settings.SIMULATOR_TOKEN
    return FlowMusicClient(settings.FLOWMUSIC_API_URL, token, timeout=PAGE_TIMEOUT)


def upstream_accounts(*, force: bool = False) -> tuple[list[UpstreamAccount], str]:
    """The accounts Flow Music listed (asked again when the cached list is stale, or `force`),
    and the error if it could not be asked; then the last known list is used."""
    problem = ""
    try:
        with page_client() as client:
            accounts.refresh_accounts(client, force=force)
    except UpstreamError as exc:
        problem = exc.message
    return list(UpstreamAccount.objects.filter(present=True)), problem


def settings_page(request: HttpRequest):
    team = team_for(request.user)
    known, problem = upstream_accounts(force=True)
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
    return render(request, "songs/settings.html", context)
