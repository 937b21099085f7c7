"""The library's search and filter form as HTML, rendered once per set of values and cached.

Through the widget templates its selects (the 24 keys above all) take several milliseconds on
every full page, while the HTML depends only on the values in the form and on its choices
(the teammates under Whose songs): those are the cache key.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from studio.library.forms import LibraryFilterForm
from studio.library.fragments import cached, digest

FILTERS_CACHE_PREFIX = "library:filters:v1"  # a new version when filters.html changes


def filters_panel(form: LibraryFilterForm, filtered: bool) -> SafeString:
    shown = [(name, form[name].value()) for name in form.fields]
    values = [shown, list(form.fields["who"].choices), filtered]  # type: ignore[attr-defined]
    context = {"form": form, "filtered": filtered}
    html = cached(
        f"{FILTERS_CACHE_PREFIX}:{digest(values)}",
        lambda: render_to_string("library/partials/filters.html", context),
    )
    return mark_safe(html)  # rendered by our template, which escapes the values
