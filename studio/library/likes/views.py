"""Like on a take: an htmx post that swaps the button, or a plain form post redirecting back."""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from studio.http import HtmxHttpRequest, next_url
from studio.library.actions import back_to_clip
from studio.library.forms import LikeForm
from studio.library.queries import clip_for_user
from studio.songs.models import Clip
from studio.together import likes


@require_POST
def clip_like(request: HtmxHttpRequest, pk: int):
    """Like the take (like=true) or stop liking it (like=false)."""
    clip = clip_for_user(request.user, pk)
    form = LikeForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Say like=true or like=false.")
    likes.set_liked(request.user, clip, form.cleaned_data["like"])
    if not request.htmx:
        return back_to_clip(request, clip)
    context = {
        # What like_button.html reads of a presenters.ClipView.
        "take": {"clip": clip, "likes": likes.likes_of_one(clip, request.user)},
        "next_url": _next_url(request, clip),
    }
    return render(request, "likes/like_button.html", context)


def _next_url(request: HtmxHttpRequest, clip: Clip) -> str:
    """Where the swapped-in button's form returns to without JavaScript: the page it is on."""
    return (
        next_url(request)
        or request.htmx.current_url_abs_path
        or reverse("song", args=[clip.generation_id])
    )
