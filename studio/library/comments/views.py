"""The song page's Comments: the section, its polling, and posting, replying, editing and
deleting (the rules are studio.together.comments).

htmx answers are fragments: a post answers with a fresh form and the list (out of band), a
reply or an edit with its thread, a delete with the list. Without JavaScript each answers with
a redirect back to the song, or a page of its own showing what to correct.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from studio.http import HtmxHttpRequest
from studio.library.comments.forms import CommentForm, EditCommentForm, ReplyForm
from studio.library.comments.rendered import comment_list
from studio.library.presenters import duration_text
from studio.library.queries import generation_for_user, listed_clips
from studio.songs.models import Clip, Generation
from studio.together import comments
from studio.together.models import Comment

SECTION_ID = "comments"


def song_context(request, generation: Generation) -> dict:
    """What the song page's Comments section needs (templates/comments/section.html)."""
    clips = list(generation.clips.all())  # prefetched by the song page
    listed = _list_context(generation.pk, clips)
    return listed | {
        "comments_list": comment_list(request, listed),
        "comment_form": _new_form(clips),
    }


def _new_form(clips: list[Clip], chosen: int | None = None, stamped: bool = True) -> CommentForm:
    # Take A, or the one just commented on; comments.js then follows the take that is playing.
    initial = {"clip": chosen or (clips[0].pk if clips else None), "stamped": stamped}
    return CommentForm(clips=clips, initial=initial, auto_id="comment-%s")


def _list_context(song_pk: int, clips: list[Clip]) -> dict:
    talk = comments.conversation(clips)
    for thread in talk.threads:
        _present(thread)
    return {"comments": talk, "comments_song_pk": song_pk}


def _present(thread: Comment) -> Comment:
    """What the templates show that the model does not say: "1:12" (replies have no time)."""
    at = thread.at_seconds
    thread.at_text = duration_text(at) if at is not None else ""  # type: ignore[attr-defined]
    return thread


def _song_clips(user, pk: int) -> tuple[Generation, list[Clip]]:
    """A completed song of the user's team (or 404) and its takes, without their media."""
    generation = generation_for_user(user, pk)
    clips = list(listed_clips().filter(generation=generation))
    for clip in clips:
        clip.generation = generation  # activity.record names the song from it
    return generation, clips


def _song_url(clip_or_pk: Clip | int, anchor: str = SECTION_ID) -> str:
    pk = clip_or_pk.generation_id if isinstance(clip_or_pk, Clip) else clip_or_pk
    return reverse("song", args=[pk]) + f"#{anchor}"


@require_http_methods(["GET", "POST"])
def song_comments(request: HtmxHttpRequest, pk: int):
    """GET (htmx polling): the list, or 204 when the page already has it. POST: a comment."""
    if request.method == "POST":
        return _post_comment(request, pk)
    generation = generation_for_user(request.user, pk)
    if not request.htmx:
        return redirect(_song_url(generation.pk))
    # The cheap answer first: one query tells whether anything changed since the page's list.
    if request.GET.get("since") == comments.state_of(generation):
        return HttpResponse(status=204)
    clips = list(listed_clips().filter(generation=generation))
    return render(request, "comments/list.html", _list_context(generation.pk, clips))


def _post_comment(request: HtmxHttpRequest, pk: int):
    generation, clips = _song_clips(request.user, pk)
    form = CommentForm(request.POST, clips=clips, auto_id="comment-%s")
    if not form.is_valid():
        context = {"comment_form": form, "comments_song_pk": generation.pk}
        if request.htmx:  # 200: htmx swaps only successful answers, and the errors must show
            return render(request, "comments/form.html", context)
        return render(request, "comments/comment_page.html", context, status=400)
    comment = comments.post(request.user, form.take, form.cleaned_data["text"], form.at_seconds)
    if not request.htmx:
        return redirect(_song_url(generation.pk, f"comment-{comment.pk}"))
    fresh = _new_form(clips, chosen=form.take.pk, stamped=form.cleaned_data["stamped"])
    context = _list_context(generation.pk, clips) | {"comment_form": fresh}
    return render(request, "comments/posted.html", context)


@require_http_methods(["GET", "POST"])
def comment_reply(request: HtmxHttpRequest, pk: int):
    """A reply in the thread of comment `pk` (a reply to a reply joins the same thread).

    GET: the form, when its Reply opens (htmx), else on a page of its own.
    """
    to = comments.comment_for_user(request.user, pk)
    if request.method == "GET":
        return _lazy_form(request, to, "comments/reply_form.html", {"reply_form": ReplyForm()})
    form = ReplyForm(request.POST)
    if form.is_valid():
        answer = comments.reply(request.user, to, form.cleaned_data["text"])
        if not request.htmx:
            return redirect(_song_url(to.clip, f"comment-{answer.pk}"))
        return _thread(request, to)
    return _invalid(request, to, {"reply_form": form})


@require_http_methods(["GET", "POST"])
def comment_edit(request: HtmxHttpRequest, pk: int):
    """GET: the form (as comment_reply's); POST: save the new text."""
    comment = comments.comment_for_user(request.user, pk)
    comments.ensure_own(comment, request.user)  # 403 before anything is read
    if request.method == "GET":
        form = EditCommentForm()
        return _lazy_form(request, comment, "comments/edit_form.html", {"edit_form": form})
    form = EditCommentForm(request.POST)
    if form.is_valid():
        comments.edit(comment, request.user, form.cleaned_data["text"])
        if not request.htmx:
            return redirect(_song_url(comment.clip, f"comment-{comment.pk}"))
        return _thread(request, comment)
    return _invalid(request, comment, {"edit_form": form, "editing": comment.pk})


@require_POST
def comment_delete(request: HtmxHttpRequest, pk: int):
    """Delete a comment of one's own (and its replies): htmx gets the list without it."""
    comment = comments.comment_for_user(request.user, pk)
    comments.delete(comment, request.user)
    if not request.htmx:
        return redirect(_song_url(comment.clip))
    clips = list(listed_clips().filter(generation_id=comment.clip.generation_id))
    return render(request, "comments/list.html", _list_context(comment.clip.generation_id, clips))


def _lazy_form(request: HtmxHttpRequest, comment: Comment, template: str, extra: dict):
    """A reply or edit form, loaded when it is first opened: rendering one per comment would
    be most of a discussed song page's time."""
    if request.htmx:
        return render(request, template, {"comment": comment, **extra})
    context = {"comment": comment, "song_url": _song_url(comment.clip), **extra}
    return render(request, "comments/comment_page.html", context)


def _thread(request: HtmxHttpRequest, comment: Comment, extra: dict | None = None):
    thread = _present(comments.thread_of(comment))
    return render(request, "comments/thread.html", {"thread": thread, **(extra or {})})


def _invalid(request: HtmxHttpRequest, comment: Comment, extra: dict):
    """A reply or an edit to correct: its thread with the form open (htmx), else a page."""
    if request.htmx:
        return _thread(request, comment, extra)
    context = {"comment": comment, "song_url": _song_url(comment.clip), **extra}
    return render(request, "comments/comment_page.html", context, status=400)
