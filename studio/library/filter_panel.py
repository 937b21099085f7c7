"""The library's search and filter form as HTML, rendered once per set of values and cached.

Through the widget templates its selects (the 24 keys above all) take several milliseconds on
every full page, while the HTML depends only on the values in the form and on its choices
(the teammates under Whose songs): those are the cache key.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from studio.library.forms import LibraryFilterForm

FILTERS_CACHE_PREFIX = "library:filters:v1"  # a new version when filters.html changes
FILTERS_CACHE_SECONDS = 24 * 3600


def filters_panel(form: LibraryFilterForm, filtered: bool) -> SafeString:
    shown = [(name, form[name].value()) for name in form.fields]
    values = [shown, list(form.fields["who"].choices), filtered]  # type: ignore[attr-defined]
    digest = hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()
    key = f"{FILTERS_CACHE_PREFIX}:{digest}"
    html = cache.get(key)
    if html is None:
        context = {"form": form, "filtered": filtered}
        html = render_to_string("library/partials/filters.html", context)
        cache.set(key, html, FILTERS_CACHE_SECONDS)
    return mark_safe(html)  # rendered by our template, which escapes the values
