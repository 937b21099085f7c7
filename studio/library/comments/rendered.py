"""The song page's comment list as HTML, rendered once per state of the conversation and
viewer, and cached.

Sixty comments with their replies take tens of milliseconds through the templates, on every
view of the song, while they change rarely. The key is a digest of every value the templates
show (texts, times, names, takes) and of the viewer (their own comments carry Edit and Delete);
the CSRF token of the Delete forms is a mark, filled in per request (library/fragments.py).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from studio.library.fragments import CSRF_MARK, cached, digest, with_csrf
from studio.together.comments import Conversation

LIST_CACHE_PREFIX = "comments:list:v1"  # a new version when the comment templates change


def signature(talk: Conversation, song_pk: int, viewer_pk: int) -> str:
    values: list[object] = [song_pk, viewer_pk, talk.state]
    for thread in talk.threads:
        for comment in (thread, *thread.replies.all()):
            author = comment.author.get_username() if comment.author else ""
            values += [comment.pk, comment.parent_id, comment.author_id, author, comment.text]
            values += [comment.created, comment.edited, comment.at_seconds, comment.clip_id]
            values += [comment.clip.take_name]
    return digest(values)


def comment_list(request, context: dict) -> SafeString:
    """templates/comments/list.html for `context` (comments, comments_song_pk)."""
    talk = context["comments"]
    key = f"{LIST_CACHE_PREFIX}:{signature(talk, context['comments_song_pk'], request.user.pk)}"
    marked = {**context, "user": request.user, "csrf_token": mark_safe(CSRF_MARK)}
    html = cached(key, lambda: render_to_string("comments/list.html", marked))
    return mark_safe(with_csrf(request, [html])[0])
