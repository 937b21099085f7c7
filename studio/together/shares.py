"""Share links: creating and revoking them, and finding the live link behind a public token.

The token is the only secret of a link, so nothing here puts it in a message, an exception or
a log line (the logmask filter covers the URL paths).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from studio.songs import activity
from studio.songs.models import Clip, Generation
from studio.together.models import ShareLink


class Expiry(models.TextChoices):
    DAY = "1d", "1 day"
    WEEK = "7d", "7 days"
    MONTH = "30d", "30 days"
    NEVER = "never", "Never"


EXPIRY_DAYS = {Expiry.DAY: 1, Expiry.WEEK: 7, Expiry.MONTH: 30, Expiry.NEVER: None}
# No token is longer (the model's column): a longer one is not looked up at all.
MAX_TOKEN_LENGTH = ShareLink._meta.get_field("token").max_length or 64


def song_title(generation: Generation) -> str:
    """How the activity names the song: its pick's title, else take A's, else the prompt."""
    titles = Clip.objects.filter(generation=generation).order_by("-is_pick", "slot")
    title = titles.values_list("title", flat=True).first()
    return title or generation.title or generation.prompt[:80]


def create_link(generation: Generation, user, *, expiry: str, allow_download: bool) -> ShareLink:
    days = EXPIRY_DAYS[Expiry(expiry)]
    now = timezone.now()
    link = ShareLink.objects.create(
        team_id=generation.team_id,
        generation=generation,
        created_by=user,
        created=now,
        expires=now + timedelta(days=days) if days else None,
        allow_download=allow_download,
    )
    activity.record(
        activity.Verb.SHARED, user, generation=generation, subject=song_title(generation)
    )
    return link


def revoke_link(link: ShareLink, user) -> bool:
    """Revoke the link at once; False when it was already revoked (a second click)."""
    won = ShareLink.objects.filter(pk=link.pk, revoked__isnull=True).update(revoked=timezone.now())
    if won:
        generation = link.generation
        activity.record(
            activity.Verb.UNSHARED, user, generation=generation, subject=song_title(generation)
        )
    return bool(won)


def _active(now=None) -> Q:
    now = now or timezone.now()
    return Q(revoked__isnull=True) & (Q(expires__isnull=True) | Q(expires__gt=now))


def active_links(generation: Generation) -> QuerySet[ShareLink]:
    """The song's live links, newest first, with who made them: one query."""
    return (
        ShareLink.objects.filter(_active(), generation=generation)
        .select_related("created_by")
        .order_by("-created", "-pk")
    )


def link_for_token(token: str) -> ShareLink:
    """The live link of a completed song behind this token, with its song and cover; else 404.

    Revoked, expired and unknown tokens all look the same from outside.
    """
    link = None
    if 0 < len(token) <= MAX_TOKEN_LENGTH:
        link = (
            ShareLink.objects.filter(
                _active(), token=token, generation__status=Generation.Status.COMPLETED
            )
            .select_related("generation", "generation__cover_art")
            .first()
        )
    if link is None:
        raise Http404("No such share link.")  # never the token itself
    return link


def count_view(link: ShareLink) -> None:
    """One more page view, counted in the database (concurrent views all count)."""
    ShareLink.objects.filter(pk=link.pk).update(views=F("views") + 1)
