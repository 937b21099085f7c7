"""Likes: one per member per take. Setting one, and who liked which take, for the pages.

A like is a member's own opinion (the Pick stays the team's one chosen take per song). Callers
check that the take is of the member's team (studio.library.queries.clip_for_user).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from studio.songs import activity
from studio.songs.models import Clip, Generation
from studio.together.models import Like


@dataclass(frozen=True)
class Likes:
    """A take's likes as the pages show them: who, oldest first, and whether the viewer is one."""

    names: tuple[str, ...] = ()
    mine: bool = False

    @property
    def count(self) -> int:
        return len(self.names)

    @property
    def summary(self) -> str:
        """ "Liked by olivia, sam and tom"; "" without likes."""
        if not self.names:
            return ""
        *most, last = self.names
        return f"Liked by {', '.join(most)} and {last}" if most else f"Liked by {last}"


NO_LIKES = Likes()


def _add_to_count(clip_id: int, step: int) -> None:
    Generation.objects.filter(clips=clip_id).update(like_count=F("like_count") + step)


def liked(sender, instance: Like, created: bool, raw: bool = False, **kwargs) -> None:
    """post_save: a new like counts for its song (Generation.like_count, which "Most liked"
    sorts by with an index instead of counting every song's likes)."""
    if created and not raw:
        _add_to_count(instance.clip_id, 1)


def unliked(sender, instance: Like, **kwargs) -> None:
    """post_delete, cascades included (a member or a take deleted)."""
    _add_to_count(instance.clip_id, -1)


def recount(generation_ids: Iterable[int] | None = None) -> None:
    """Count the likes of these songs (all when None) afresh, after a bulk_create."""
    songs = Generation.objects.all()
    if generation_ids is not None:
        songs = songs.filter(pk__in=list(generation_ids))
    likes = Like.objects.filter(clip__generation=OuterRef("pk")).order_by()
    counted = likes.values("clip__generation").annotate(n=Count("pk")).values("n")[:1]
    songs.update(like_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0))


def set_liked(user, clip: Clip, liked: bool) -> bool:
    """Make the member like the take, or not; whether that changed anything.

    A desired state rather than a toggle: a double click, or a second tab showing an old state,
    cannot undo what was just meant. A new like is recorded in the team's activity.
    """
    if not liked:
        deleted, _ = Like.objects.filter(user=user, clip=clip).delete()
        return bool(deleted)
    # Safe when two requests race: the unique (clip, user) makes one of them find the other's.
    _, created = Like.objects.get_or_create(user=user, clip=clip)
    if created:
        activity.record(activity.Verb.LIKED, user, clip=clip)
    return created


def likes_of(clips: Iterable[Clip], user) -> dict[int, Likes]:
    """Each clip's Likes by pk (NO_LIKES when none), with one query whatever their number."""
    pks = [clip.pk for clip in clips]
    if not pks:
        return {}
    rows = (
        Like.objects.filter(clip_id__in=pks)
        .order_by("created", "pk")
        .values_list("clip_id", "user_id", "user__username")
    )
    names: dict[int, list[str]] = {}
    mine: set[int] = set()
    for clip_id, user_id, username in rows:
        names.setdefault(clip_id, []).append(username)
        if user_id == user.pk:
            mine.add(clip_id)
    return {pk: Likes(tuple(names[pk]), pk in mine) if pk in names else NO_LIKES for pk in pks}


def likes_of_one(clip: Clip, user) -> Likes:
    """One take's Likes, as its button shows them after a change."""
    return likes_of([clip], user)[clip.pk]
