"""HTML fragments rendered once and cached under a digest of every value they show (library
rows, the filter form, a song's comment list): any change makes a new key, so nothing has to
be invalidated."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache

FRAGMENT_SECONDS = 24 * 3600


def digest(values: list[object]) -> str:
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()


def cached(key: str, render: Callable[[], str]) -> str:
    """The fragment under `key`, rendered and cached when missing."""
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, FRAGMENT_SECONDS)
    return html
