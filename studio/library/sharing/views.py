"""The song page's Share section: the song's live links, creating and revoking them.

htmx swaps the section in place (#share); without JavaScript the forms post and come back to
the song page at #share.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from studio.http import HtmxHttpRequest
from studio.library.queries import generation_for_user
from studio.library.sharing.forms import ShareLinkForm
from studio.songs.models import Generation
from studio.teams.access import team_for
from studio.together import shares
from studio.together.models import ShareLink


@dataclass
class LinkRow:
    link: ShareLink
    url: str  # the full public address, to copy


def share_url(request: HttpRequest, link: ShareLink) -> str:
    """The link's public address; on PUBLIC_URL when set, as outsiders reach the instance there."""
    path = reverse("shared_song", args=[link.token])
    if settings.PUBLIC_URL:
        return settings.PUBLIC_URL + path
    return request.build_absolute_uri(path)


def song_context(
    request: HttpRequest, generation: Generation, form: ShareLinkForm | None = None
) -> dict:
    """What the song page's Share section needs (templates/sharing/section.html): one query."""
    rows = [LinkRow(link, share_url(request, link)) for link in shares.active_links(generation)]
    return {
        "share_song_pk": generation.pk,
        "share_form": form or ShareLinkForm(),
        "share_links": rows,
    }


def _answer(
    request: HtmxHttpRequest,
    generation: Generation,
    message: str,
    *,
    form: ShareLinkForm | None = None,
    ok: bool = True,
) -> HttpResponse:
    """htmx: the section alone, saying what happened. Else: back to the song page's #share."""
    if request.htmx and not request.htmx.boosted:
        context = {**song_context(request, generation, form), "share_message": message}
        return render(request, "sharing/section.html", context)
    (messages.success if ok else messages.error)(request, message)
    return redirect(reverse("song", args=[generation.pk]) + "#share")


@require_POST
def song_share(request: HtmxHttpRequest, pk: int):
    """Create share link: a new public link to this song of the team."""
    generation = generation_for_user(request.user, pk)
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        return _answer(request, generation, "Choose how long the link lasts.", form=form, ok=False)
    shares.create_link(
        generation,
        request.user,
        expiry=form.cleaned_data["expiry"],
        allow_download=form.cleaned_data["allow_download"],
    )
    return _answer(request, generation, "Share link created: copy it below.")


@require_POST
def share_revoke(request: HtmxHttpRequest, pk: int):
    """Revoke: the link's page and files are gone at once (404)."""
    link = get_object_or_404(
        ShareLink.objects.select_related("generation"),
        pk=pk,
        team=team_for(request.user),
        generation__status=Generation.Status.COMPLETED,
    )
    shares.revoke_link(link, request.user)
    return _answer(request, link.generation, "Share link revoked: it no longer opens.")
