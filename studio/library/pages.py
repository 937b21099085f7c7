"""Keyset pages of the library: "Older" and "Newer" links carry the sort key of the page's last
(first) song, so page 1,000 costs what page 1 does (no OFFSET), and a song added meanwhile never
shifts a page. The count stops at COUNT_CAP rather than scanning a whole large team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import F, Q, QuerySet

PAGE_SIZE = 20
COUNT_CAP = 1000  # beyond this the page says "1,000+ songs"
SEPARATOR = "_"


@dataclass(frozen=True)
class Page:
    items: list
    older: str | None  # the cursor of the next page down the list, if any
    newer: str | None  # the cursor of the page before, if any
    count: int
    count_capped: bool

    @property
    def count_text(self) -> str:
        return f"{COUNT_CAP:,}+" if self.count_capped else f"{self.count:,}"

    @property
    def has_other_pages(self) -> bool:
        return bool(self.older or self.newer)


def _encode(row, keys: tuple[str, ...]) -> str:
    parts = []
    for key in keys:
        value = getattr(row, key)
        parts.append(str(int(value.timestamp() * 1_000_000)) if key == "created" else str(value))
    return SEPARATOR.join(parts)


def _decode(cursor: str | None, keys: tuple[str, ...]) -> list | None:
    """The key values a cursor names; None when it is missing or not one of ours."""
    parts = (cursor or "").split(SEPARATOR)
    if len(parts) != len(keys) or not all(p.isdigit() and len(p) <= 18 for p in parts):
        return None
    values: list = [int(p) for p in parts]
    if "created" in keys:
        at = keys.index("created")
        try:
            values[at] = datetime.fromtimestamp(values[at] / 1_000_000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return values


def _beyond(keys: tuple[str, ...], values: list, older: bool) -> Q:
    """Rows after `values` in the descending order of `keys` (older), or before them (newer):
    (k0 < v0) or (k0 = v0 and k1 < v1) or … The leading key's bound is repeated on its own so
    the database seeks its index there instead of scanning from the top."""
    op = "lt" if older else "gt"
    condition = Q()
    for index, key in enumerate(keys):
        equal = dict(zip(keys[:index], values[:index], strict=True))
        condition |= Q(**equal, **{f"{key}__{op}": values[index]})
    return Q(**{f"{keys[0]}__{op}e": values[0]}) & condition


def capped_count(rows: QuerySet) -> int:
    """How many `rows` there are, counted no further than COUNT_CAP + 1."""
    return rows.order_by().values("pk")[: COUNT_CAP + 1].count()


def keyset_page(
    rows: QuerySet,
    keys: tuple[str, ...],
    *,
    older: str | None,
    newer: str | None,
    count: int | None = None,
) -> Page:
    """One page of `rows`, ordered by `keys` descending (the last key unique, e.g. pk);
    `count`: capped_count(rows) when the caller has made it already."""
    descending = [F(key).desc() for key in keys]
    if count is None:
        count = capped_count(rows)
    after, before = _decode(older, keys), _decode(newer, keys)
    if before is not None and after is None:
        ascending = [F(key).asc() for key in keys]
        found = list(
            rows.filter(_beyond(keys, before, older=False)).order_by(*ascending)[: PAGE_SIZE + 1]
        )
        more_newer = len(found) > PAGE_SIZE
        items = found[:PAGE_SIZE][::-1]
        if not items:  # nothing newer any more: the first page
            return keyset_page(rows, keys, older=None, newer=None, count=count)
        return Page(
            items,
            older=_encode(items[-1], keys),
            newer=_encode(items[0], keys) if more_newer else None,
            count=min(count, COUNT_CAP),
            count_capped=count > COUNT_CAP,
        )
    listed = rows.filter(_beyond(keys, after, older=True)) if after is not None else rows
    found = list(listed.order_by(*descending)[: PAGE_SIZE + 1])
    items = found[:PAGE_SIZE]
    return Page(
        items,
        older=_encode(items[-1], keys) if len(found) > PAGE_SIZE else None,
        newer=_encode(items[0], keys) if after is not None and items else None,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
    )
