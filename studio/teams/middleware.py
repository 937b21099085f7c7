from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import redirect

# Paths that must work before the first account exists: machine-to-machine endpoints and assets;
# share links (public, and spared the users query on every file request of their players).
FIRST_RUN_EXEMPT = ("/setup/", "/static/", "/simulator/", "/hooks/", "/healthz", "/metrics", "/s/")


class FirstRunMiddleware:
    """Send every page to "Create the first account" while the instance has no users."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            not request.user.is_authenticated
            and not request.path.startswith(FIRST_RUN_EXEMPT)
            and not get_user_model().objects.exists()
        ):
            return redirect("first_run")
        return self.get_response(request)
