"""The library's song rows as HTML, each rendered once and cached by everything it shows.

Rendering twenty rows through the template engine is most of a library page's time, while a
row changes rarely (a new title, a pick, a like, a version). So a row is cached under a digest
of every value its template reads (`signature`): any change makes a new key, and nothing has
to be invalidated. The two values that belong to one request, the CSRF token and the page to
return to, are rendered as marks and filled in per page (fragments.py).
"""

from __future__ import annotations

from functools import partial
from urllib.parse import quote

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from studio.library.fragments import CSRF_MARK, cached_many, digest, with_csrf
from studio.library.presenters import GenerationView

ROW_CACHE_PREFIX = "library:row:v2"  # a new version when generation.html changes
NEXT_MARK = "<!--row-next-->"
NEXT_QUERY_MARK = "<!--row-next-query-->"  # the same, URL-quoted


def signature(item: GenerationView) -> str:
    """Every value of `item` that templates/library/partials/generation.html shows."""
    g = item.generation
    values: list[object] = [
        g.pk,
        g.author.get_username() if g.author else "",
        g.created.isoformat(),
        g.instrumental,
        g.is_edit,
        g.prompt,
        item.cover_url,
        item.url,
        item.made_from,
        item.versions,
    ]
    for take in item.clips:
        clip = take.clip
        values += [clip.pk, clip.slot, clip.title, clip.is_pick, take.duration]
        values += [take.tempo_bpm, take.key, take.track_json]
        values += [take.likes.names, take.likes.mine]
    return digest(values)


def _render(item: GenerationView) -> str:
    context = {
        "item": item,
        "csrf_token": mark_safe(CSRF_MARK),
        "next_url": mark_safe(NEXT_MARK),
        "next_query": mark_safe(NEXT_QUERY_MARK),
    }
    return render_to_string("library/partials/generation.html", context)


def library_rows(request, items: list[GenerationView], next_url: str) -> list[SafeString]:
    """Each item's row, from the cache or rendered (and cached), with this request's values."""
    renders = {f"{ROW_CACHE_PREFIX}:{signature(item)}": partial(_render, item) for item in items}
    found = cached_many(renders)
    path, query = escape(next_url), escape(quote(next_url, safe="/"))
    rows = with_csrf(request, [found[key] for key in renders])
    # The marks only stand where escaped values were rendered.
    return [mark_safe(row.replace(NEXT_MARK, path).replace(NEXT_QUERY_MARK, query)) for row in rows]
