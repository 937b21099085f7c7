"""Changes to a clip from the library: its title, and which take of a pair is the pick.

Each answers htmx with the fragment it replaces, and a plain form post with a redirect back.
"""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from studio.http import HtmxHttpRequest, next_url
from studio.library.forms import ClipTitleForm
from studio.library.queries import clip_for_user
from studio.songs import activity, search
from studio.songs.activity import Verb
from studio.songs.models import Clip


def back_to_clip(request: HtmxHttpRequest, clip: Clip):
    """Where a form post without JavaScript returns to: the page it came from, at the clip."""
    target = next_url(request) or reverse("library")
    return redirect(f"{target.split('#')[0]}#clip-{clip.pk}")


@require_POST
def clip_title(request: HtmxHttpRequest, pk: int):
    clip = clip_for_user(request.user, pk)
    form = ClipTitleForm(request.POST)
    saved = form.is_valid()
    if saved and (before := clip.title) != form.cleaned_data["title"]:
        subject = activity.clip_subject(clip)  # named as it was
        clip.title = form.cleaned_data["title"]
        clip.save(update_fields=["title"])
        search.refresh(clip.generation_id)
        activity.record(
            Verb.RENAMED,
            request.user,
            clip=clip,
            subject=subject,
            old=before,
            new=clip.title,
        )
    if saved and not request.htmx:
        return back_to_clip(request, clip)
    context = {
        "clip": clip,
        "title_form": form,
        "saved": saved,
        "next_url": request.POST.get("next", ""),
    }
    if request.htmx:
        # 200 even when invalid: htmx swaps only successful answers, and the errors must show.
        return render(request, "library/partials/clip_title.html", context)
    return render(request, "library/title_edit.html", context, status=400)


@require_POST
def clip_pick(request: HtmxHttpRequest, pk: int):
    """Toggle the pick; picking one take of a pair un-picks the other."""
    clip = clip_for_user(request.user, pk)
    with transaction.atomic():
        picked = not Clip.objects.select_for_update().get(pk=clip.pk).is_pick
        others = Clip.objects.filter(generation_id=clip.generation_id, is_pick=True).exclude(
            pk=clip.pk
        )
        was = others.values_list("slot", flat=True).first()  # the pick this one replaces
        if picked:
            others.update(is_pick=False)
        Clip.objects.filter(pk=clip.pk).update(is_pick=picked)
        verb = Verb.PICKED if picked else Verb.UNPICKED
        activity.record(
            verb,
            request.user,
            clip=clip,
            old=was if picked else clip.slot,
            new=clip.slot if picked else None,
        )
    if not request.htmx:
        return back_to_clip(request, clip)
    clip.is_pick = picked
    siblings = Clip.objects.filter(generation_id=clip.generation_id).exclude(pk=clip.pk)
    context = {"clip": clip, "siblings": siblings, "next_url": request.POST.get("next", "")}
    return render(request, "library/partials/clip_pick_response.html", context)
