"""Every URL pattern requires login, except the few that must not (walked automatically)."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Patterns reachable without signing in, and why.
PUBLIC = {
    "login",
    "first_run",
    "invitation_signup",  # the ways in
    "shared_song",  # share links: the token is the secret (tests/test_sharing.py)
    "shared_cover",
    "shared_clip_file",
}
PUBLIC_PREFIXES = (
    "simulator/",  # the built-in upstream speaks bearer auth, like useapi.net
    "hooks/",  # webhooks: an unguessable per-generation token, 404 otherwise
    "healthz",  # monitoring, no secrets
    "metrics",  # Prometheus: a bearer token from METRICS_TOKEN, 404 when unset
)


def walk(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def sample_path(route: str) -> str:
    """A concrete path for a route, with made-up values for its parameters."""
    path = re.sub(r"<int:\w+>", "1", route)
    path = re.sub(r"<(?:str:|slug:|uuid:)?\w+>", "abc", path)
    path = re.sub(r"<path:\w+>", "a/b", path)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)  # admin regexes
    return "/" + path.lstrip("^").rstrip("$").replace("\\", "")


ROUTES = [
    (route, pattern)
    for route, pattern in walk(get_resolver())
    if pattern.name not in PUBLIC and not route.startswith(PUBLIC_PREFIXES)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "pattern"), ROUTES, ids=[r for r, _ in ROUTES])
def test_every_page_requires_login(client, owner, route, pattern):
    path = sample_path(route)
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code in (302, 301), f"{path} answered {response.status_code}"
        assert "login" in response["Location"], f"{path} redirected to {response['Location']}"


def test_the_walk_finds_the_main_pages():
    routes = {route for route, _ in walk(get_resolver())}
    assert {"", "compose/", "queue/", "team/", "settings/"} <= routes
    assert len(ROUTES) > 10
