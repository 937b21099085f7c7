"""A project page's takes as HTML, each rendered once and cached under a digest of what it
shows, as the library's rows are (library/rows.py): sixty takes through the templates were
most of the page's time. Moving a take changes its number and first/last, so its key."""

from __future__ import annotations

from functools import partial

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from studio.library.fragments import CSRF_MARK, cached_many, digest, with_csrf
from studio.library.projects.lookups import Entry

ITEM_CACHE_PREFIX = "projects:item:v1"  # a new version when projects/partials/item.html changes


def signature(entry: Entry, number: int, first: bool, last: bool) -> str:
    """Every value of `entry` that templates/projects/partials/item.html shows."""
    clip, take = entry.item.clip, entry.take
    author = clip.generation.author
    values: list[object] = [entry.item.pk, number, first, last, entry.cover, entry.song_url]
    values += [clip.pk, clip.title, clip.take_name, take.duration, take.track_json]
    values += [author.get_username() if author else ""]
    return digest(values)


def _render(entry: Entry, number: int, first: bool, last: bool) -> str:
    context = {"entry": entry, "number": number, "first": first, "last": last}
    return render_to_string(
        "projects/partials/item.html", {**context, "csrf_token": mark_safe(CSRF_MARK)}
    )


def project_items(request, entries: list[Entry]) -> list[SafeString]:
    """Each take's <li>, from the cache or rendered (and cached), with this request's token."""
    renders = {}
    for number, entry in enumerate(entries, 1):
        place = (number, number == 1, number == len(entries))
        key = f"{ITEM_CACHE_PREFIX}:{signature(entry, *place)}"
        renders[key] = partial(_render, entry, *place)
    found = cached_many(renders)
    return [mark_safe(html) for html in with_csrf(request, [found[key] for key in renders])]
