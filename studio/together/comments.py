"""Comments on a song's takes: who may post, reply, edit and delete, and a song's conversation.

A comment is on one take, stamped with the playhead time it was written at (or none). Replies
are one level deep: a reply to a reply joins the same thread. Only its author may change or
delete a comment; deleting a comment deletes its replies (the model's cascade).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone

from studio.songs import activity
from studio.songs.models import Clip, Generation
from studio.teams.access import team_for
from studio.together.models import Comment

MAX_TEXT = 2000  # characters: a note on a moment, not an essay


@dataclass
class Conversation:
    """A song's comments as the page shows them: threads oldest first, each with its replies."""

    threads: list[Comment]
    state: str  # see state_of: what the page has, so polling can answer "nothing new"


def comment_for_user(user, pk: int) -> Comment:
    """A comment on a completed song of the user's team, or 404 (never 403: other teams'
    comments do not exist for a user)."""
    return get_object_or_404(
        Comment.objects.select_related("author", "clip__generation"),
        pk=pk,
        clip__generation__team=team_for(user),
        clip__generation__status=Generation.Status.COMPLETED,
    )


def ensure_own(comment: Comment, user) -> None:
    """Members change only their own comments: another's is 403 (it is on their page)."""
    if comment.author_id is None or comment.author_id != user.pk:
        raise PermissionDenied("You can only change your own comments.")


def post(author, clip: Clip, text: str, at_seconds: float | None) -> Comment:
    comment = Comment.objects.create(clip=clip, author=author, text=text, at_seconds=at_seconds)
    activity.record(activity.Verb.COMMENTED, author, clip=clip, at=at_seconds)
    return comment


def reply(author, to: Comment, text: str) -> Comment:
    """A reply in `to`'s thread, with no time of its own."""
    comment = Comment.objects.create(
        clip_id=to.clip_id, author=author, parent_id=to.parent_id or to.pk, text=text
    )
    activity.record(activity.Verb.COMMENTED, author, clip=to.clip, reply=True)
    return comment


def edit(comment: Comment, user, text: str) -> None:
    ensure_own(comment, user)
    if text == comment.text:
        return  # saving it unchanged is not an edit
    comment.text = text
    comment.edited = timezone.now()
    comment.save(update_fields=["text", "edited"])


def delete(comment: Comment, user) -> None:
    ensure_own(comment, user)
    comment.delete()


def _replies() -> Prefetch:
    return Prefetch("replies", queryset=Comment.objects.select_related("author"))


def conversation(clips: list[Clip]) -> Conversation:
    """The comments on these takes (a song's), in two queries however many there are.

    Each comment's clip is the one given (no query per comment), and the state is read from
    the same rows, so it describes exactly what is shown.
    """
    by_pk = {clip.pk: clip for clip in clips}
    threads = list(
        Comment.objects.filter(clip_id__in=by_pk, parent=None)
        .select_related("author")
        .prefetch_related(_replies())
    )
    rows = []
    for thread in threads:
        thread.clip = by_pk[thread.clip_id]
        for answer in thread.replies.all():
            answer.clip = thread.clip
        rows += [thread, *thread.replies.all()]
    edited = [row.edited for row in rows if row.edited is not None]
    state = _state(
        len(rows), max((row.pk for row in rows), default=None), max(edited, default=None)
    )
    return Conversation(threads, state)


def thread_of(comment: Comment) -> Comment:
    """The thread a comment is in (its top-level comment), with its replies."""
    thread = (
        Comment.objects.select_related("author")
        .prefetch_related(_replies())
        .get(pk=comment.parent_id or comment.pk)
    )
    thread.clip = comment.clip
    for answer in thread.replies.all():
        answer.clip = comment.clip
    return thread


def state_of(generation: Generation) -> str:
    """A fingerprint of a song's comments, in one query: the number, the newest and the last
    edit change with every post, reply, edit and delete."""
    found = Comment.objects.filter(clip__generation_id=generation.pk).aggregate(
        count=Count("pk"), last=Max("pk"), edited=Max("edited")
    )
    return _state(found["count"], found["last"], found["edited"])


def _state(count: int, last: int | None, edited: datetime | None) -> str:
    stamp = int(edited.timestamp() * 1_000_000) if edited else 0
    return f"{count}.{last or 0}.{stamp}"
