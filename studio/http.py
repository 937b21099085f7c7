"""The request type our views receive: signed in (login is required everywhere but a few
public views) and through HtmxMiddleware."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
