"""HTML fragments rendered once and cached under a digest of every value they show (library
rows, the filter form, a song's comment list, a project's takes): any change makes a new key,
so nothing has to be invalidated.

The CSRF token belongs to one request: a fragment is rendered with CSRF_MARK in its place and
`with_csrf` fills it in. The mark starts with "<", which escaped text can never contain, so
only the mark is replaced."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from django.core.cache import cache
from django.middleware.csrf import get_token

FRAGMENT_SECONDS = 24 * 3600
CSRF_MARK = "<!--fragment-csrf-->"


def digest(values: list[object]) -> str:
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()


def listing_key(kind: str, team, user, filters: dict) -> str:
    """A cache key for what one library list (a team's, as a user filters it) is kept under:
    Mine and Liked are the user's, and a team's creation tells it from one that had its id."""
    return f"library:{kind}:" + digest([team.pk, team.created, user.pk, sorted(filters.items())])


def cached(key: str, render: Callable[[], str]) -> str:
    """The fragment under `key`, rendered and cached when missing."""
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, FRAGMENT_SECONDS)
    return html


def cached_many(renders: Mapping[str, Callable[[], str]]) -> dict[str, str]:
    """The fragment under each key, those missing rendered and cached (two cache calls)."""
    found = cache.get_many(list(renders))
    missing = {key: render() for key, render in renders.items() if key not in found}
    if missing:
        cache.set_many(missing, FRAGMENT_SECONDS)
        found.update(missing)
    return found


def with_csrf(request, fragments: list[str]) -> list[str]:
    """The fragments with this request's CSRF token (one token: masking one is not free)."""
    token = get_token(request)
    return [html.replace(CSRF_MARK, token) for html in fragments]
