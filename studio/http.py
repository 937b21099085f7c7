"""The request type our views receive: signed in (login is required everywhere but a few
public views) and through HtmxMiddleware."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def next_url(request: HttpRequest) -> str:
    """The request's `next` (posted, else in the query) when it is a page of this site, else ""
    (never a redirect to another site)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""
