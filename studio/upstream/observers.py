"""Reporting each upstream call and download to whoever listens (metrics), without letting a
listener break the call; and the low-cardinality endpoint label those reports carry."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

import httpx

logger = logging.getLogger(__name__)

# A path segment kept in an endpoint label; any other (ids, emails) becomes "{id}".
_PLAIN_SEGMENT = re.compile(r"[a-z]+(?:[-_][a-z]+)*")


def endpoint_template(client: httpx.Client, request: httpx.Request) -> str:
    """The request's path below the client's base URL, ids and emails replaced by "{id}":
    a label with a handful of values ("/jobs/{id}"), never a secret or a user's address."""
    path = request.url.raw_path.decode("ascii", "replace").partition("?")[0]
    base = client.base_url.raw_path.decode("ascii", "replace").rstrip("/")
    if base and path.startswith(base + "/"):
        path = path[len(base) :]
    return "/".join(
        part if not part or _PLAIN_SEGMENT.fullmatch(part) else "{id}" for part in path.split("/")
    )


def notify(observers: Iterable[Callable[..., None]], *args: object) -> None:
    """Call each observer; one that raises is logged and never breaks the caller's request."""
    for observer in observers:
        try:
            observer(*args)
        except Exception:
            logger.exception("observer %s failed", getattr(observer, "__qualname__", observer))
