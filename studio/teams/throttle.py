"""Failed sign-ins are limited per IP address and per username (5 per 15 minutes)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from studio.teams.models import FailedLogin

LIMIT = 5
WINDOW = timedelta(minutes=15)
MESSAGE = (
    "Too many failed sign-in attempts. Wait 15 minutes and try again, "
    "or ask a team owner to check your account."
)


def client_ip(request) -> str | None:
    if settings.SECURE_PROXY_SSL_HEADER:
        # Behind our proxy: the last address it appended is the one it saw.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def is_blocked(username: str, ip: str | None) -> bool:
    since = timezone.now() - WINDOW
    recent = FailedLogin.objects.filter(at__gte=since)
    by_user = recent.filter(username__iexact=username).count() if username else 0
    by_ip = recent.filter(ip=ip).count() if ip else 0
    return by_user >= LIMIT or by_ip >= LIMIT


def record_failure(username: str, ip: str | None) -> None:
    FailedLogin.objects.create(username=username[:150], ip=ip)
    # Old rows are useless; trim them as we go.
    FailedLogin.objects.filter(at__lt=timezone.now() - 2 * WINDOW).delete()


def forget(username: str) -> None:
    """A successful sign-in clears that username's count (not the IP's: it may be shared)."""
    FailedLogin.objects.filter(username__iexact=username).delete()
