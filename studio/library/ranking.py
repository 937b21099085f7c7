"""Best match: a search's songs ranked by how well they match (search.ranks), best first.

The ranking covers the newest COUNT_CAP matches (the count's own cap: a common word in a large
library has more matches than anyone reads by rank). Their order is kept for a minute, so the
Older and Newer links page through the same list; a page's cursor is its position in it.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from studio.library.fragments import listing_key
from studio.library.pages import COUNT_CAP, PAGE_SIZE, Page
from studio.songs import search
from studio.songs.models import Generation

RANKED_SECONDS = 60


def ranked_ids(team, user, filters: dict, matches: QuerySet[Generation]) -> list[int]:
    """The ids of `matches` (newest first) best first, of the newest COUNT_CAP of them."""
    key = listing_key("ranked", team, user, filters)
    found = cache.get(key)
    if found is None:
        newest = list(matches.values_list("pk", flat=True)[:COUNT_CAP])
        rank = search.ranks(newest, filters["q"])
        # Equal ranks stay newest first (sorted is stable).
        found = sorted((pk for pk in newest if pk in rank), key=lambda pk: -rank[pk])
        cache.set(key, found, RANKED_SECONDS)
    return found


def _position(cursor: str | None) -> int | None:
    return int(cursor) if cursor and cursor.isdigit() and len(cursor) <= 6 else None


def ranked_page(ids: list[int], rows: QuerySet[Generation], cursors, count: int) -> Page:
    """The page of `ids` the cursors ask for (older=N: from position N; newer=N: the page
    ending before N), its songs read from `rows`; `count`: the search's capped count."""
    start = _position(cursors.get("older"))
    if start is None:
        end = _position(cursors.get("newer"))
        start = max(0, end - PAGE_SIZE) if end is not None else 0
    start = min(start, max(0, len(ids) - 1))
    shown = ids[start : start + PAGE_SIZE]
    found = {g.pk: g for g in rows.filter(pk__in=shown)}
    return Page(
        [found[pk] for pk in shown if pk in found],
        older=str(start + PAGE_SIZE) if start + PAGE_SIZE < len(ids) else None,
        newer=str(start) if start > 0 else None,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
    )
