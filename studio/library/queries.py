"""What the library reads, always within the user's team: lookups, the filtered list, its pages.

The ``*_for_user`` lookups answer 404, never 403: other teams' ids do not exist for a user.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext

from django.core.cache import cache
from django.db.models import (
    CharField,
    Count,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.shortcuts import get_object_or_404

from studio.library import ranking
from studio.library.forms import BEST_MATCH, MINE, MOST_LIKED
from studio.library.fragments import listing_key
from studio.library.pages import COUNT_CAP, Page, capped_count, keyset_page
from studio.songs import search
from studio.songs.models import Clip, Generation
from studio.teams.access import team_for
from studio.teams.models import Membership
from studio.together.models import Like

# Large fields the page never shows: the upstream's job record, our request body, and the
# lyrics as asked for (each clip's own lyrics are shown).
GENERATION_UNUSED = (
    "result",
    "request",
    "extra_image_ids",
    "reference_audio_ids",
    "lyrics",
    "search_text",
)
CLIP_UNUSED = ("audio_url", "wav_url", "image_url")
# Only needed to render a clip's player and lyrics, which are then cached (presenters.clip_media).
CLIP_MEDIA_FIELDS = ("lyrics", "lyrics_timing", "peaks")
# Up to this many takes or likes, a filter lists their songs; beyond it, checks song by song.
SHORT_LIST = 5000
CAPPED_SECONDS = 60


def clip_for_user(user, pk: int) -> Clip:
    """A clip of a completed song of the user's team, or 404. Until its generation completes
    a clip's files are not known good (they may be half saved, or fail the checks)."""
    return get_object_or_404(
        Clip.objects.select_related("generation"),
        pk=pk,
        generation__team=team_for(user),
        generation__status=Generation.Status.COMPLETED,
    )


def generation_for_user(user, pk: int) -> Generation:
    """A completed song of the user's team, or 404."""
    return get_object_or_404(
        Generation.objects.select_related("author", "cover_art", "source_clip"),
        pk=pk,
        team=team_for(user),
        status=Generation.Status.COMPLETED,
    )


def song_for_user(user, pk: int) -> Generation:
    """A completed song of the user's team with its clips as the library lists them, or 404."""
    generation = generation_for_user(user, pk)
    # With their lyrics: the page's Remix forms start from them.
    clips = Clip.objects.defer(*CLIP_UNUSED, "lyrics_timing", "peaks").order_by("slot")
    prefetch_related_objects([generation], Prefetch("clips", queryset=clips))
    return generation


def listed_clips() -> QuerySet[Clip]:
    """A song's clips in order, without their media columns: see clips_with_media."""
    return Clip.objects.defer(*CLIP_UNUSED, *CLIP_MEDIA_FIELDS).order_by("slot")


def is_filtered(filters: dict) -> bool:
    """Whether the list is narrowed by a search or a filter (LibraryFilterForm.filters)."""
    narrowing = (
        *("q", "who", "kind", "picks", "liked", "originals"),
        *("tempo_from", "tempo_to", "key"),
    )
    return any(filters[name] for name in narrowing)


def teammates(team, user) -> list:
    """The team's other members by name: the library's Whose songs choices."""
    return [
        membership.user
        for membership in Membership.objects.filter(team=team)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__username")
    ]


def library_generations(team, user, filters: dict, plan: str = search.MANY) -> QuerySet[Generation]:
    """Completed generations with clips, newest (or most liked) first; a fixed number of
    queries per page.

    The clips come without their media columns: see clips_with_media. Picks only and Liked
    list only the takes that are picked, liked by the user, or both. A search is tested as
    its `plan` says (search.COUNT, FEW or MANY).
    """
    by_take = filters["picks"] or filters["liked"]
    clips = _picked_and_liked(listed_clips(), user, filters)
    generations = (
        _completed(team, unindexed=bool(filters["q"]) and search.from_the_list(plan))
        .filter(Exists(Clip.objects.filter(generation=OuterRef("pk"))))
        # Covers and sources by their own query, made only when one of the page has some: as
        # joins, PostgreSQL spent longer planning the page than running it.
        .select_related("author")
        .annotate(version_count=_version_count())
        .defer(*GENERATION_UNUSED)
        .prefetch_related(Prefetch("clips", queryset=clips), "cover_art", _sources())
    )
    # Subqueries rather than joins: one row per generation, no DISTINCT needed. (Exists stops at
    # the first match; IN over a small set of picks or likes is cheaper than Exists per row.)
    if query := filters["q"]:
        generations = generations.filter(search.matching(query, plan))
    if filters["who"] == MINE:
        generations = generations.filter(author=user)
    elif filters["who"]:  # a teammate's id: the form offers no one else's
        generations = generations.filter(author_id=int(filters["who"]))
    if filters["kind"]:
        generations = generations.filter(instrumental=filters["kind"] == "instrumental")
    if filters["originals"]:
        generations = generations.filter(operation=Generation.Operation.SONG)
    if filters["liked"]:
        likes = Like.objects.filter(user=user)
        if few := _few(likes):  # the member's few liked takes, listed
            takes = Clip.objects.filter(pk__in=likes.values("clip_id"))
            takes = takes.filter(is_pick=True) if filters["picks"] else takes
        else:
            takes = _picked_and_liked(Clip.objects.all(), user, filters)
        generations = _having(generations, takes, few)
    elif by_take:  # picks only: a partial index of the picks answers either way
        picks = Clip.objects.filter(is_pick=True)
        generations = generations.filter(pk__in=picks.values("generation_id"))
    if (matching := _tempo_and_key(filters)) is not None:  # (a QuerySet's truth runs it)
        generations = _having(generations, matching, _few(matching))
    if filters["sort"] == MOST_LIKED:
        return generations.order_by("-like_count", "-created", "-pk")
    return generations.order_by("-created", "-pk")


class Unindexed(Func):
    """SQLite's `+column`: the same value, which the planner will not look up in an index."""

    template = "+%(expressions)s"


def _completed(team, unindexed: bool) -> QuerySet[Generation]:
    """The team's completed generations; `unindexed`, by a test that no index answers, so that
    SQLite starts from the search's list of matches instead (search.from_the_list)."""
    if not unindexed:
        return Generation.objects.filter(team=team, status=Generation.Status.COMPLETED)
    return Generation.objects.alias(
        in_team=Unindexed("team_id", output_field=IntegerField()),
        in_status=Unindexed("status", output_field=CharField()),
    ).filter(in_team=team.pk, in_status=Generation.Status.COMPLETED)


def _few(rows: QuerySet) -> bool:
    """Whether there are at most SHORT_LIST `rows` (counted no further)."""
    return rows.order_by().values("pk")[: SHORT_LIST + 1].count() <= SHORT_LIST


def _having(generations: QuerySet[Generation], takes: QuerySet[Clip], few: bool) -> QuerySet:
    """The generations that one of `takes` belongs to.

    When the takes are `few`, the list of their songs is the cheapest test; when they are many
    (a member who likes half the library), building that list would cost more than the page:
    each song, newest first, is then checked on its own until the page (and the capped count)
    is full.
    """
    if few:
        return generations.filter(pk__in=takes.values("generation_id"))
    return generations.filter(Exists(takes.filter(generation=OuterRef("pk"))))


def _picked_and_liked(clips: QuerySet[Clip], user, filters: dict) -> QuerySet[Clip]:
    """The takes Picks only and Liked keep: picked ones, ones the user liked, or with both
    filters the picked ones the user liked."""
    if filters["picks"]:
        clips = clips.filter(is_pick=True)
    if filters["liked"]:  # take by take, on the (clip, member) index
        clips = clips.filter(Exists(Like.objects.filter(clip=OuterRef("pk"), user=user)))
    return clips


def _tempo_and_key(filters: dict) -> QuerySet[Clip] | None:
    """Clips in the tempo range and key asked for (one take must match both); None: no filter.

    Tempos are stored to a tenth and shown rounded: "to 96" takes in 96.4, as it shows 96.
    """
    low, high, key = filters["tempo_from"], filters["tempo_to"], filters["key"]
    if low is None and high is None and not key:
        return None
    clips = Clip.objects.all()
    if low is not None:
        clips = clips.filter(tempo_bpm__gte=low - 0.5)
    if high is not None:
        clips = clips.filter(tempo_bpm__lt=high + 0.5)
    return clips.filter(key=key) if key else clips


def _sources() -> Prefetch:
    """The take each edit was made from, as its "Made from" line names it."""
    named = Clip.objects.only("generation_id", "slot", "title")
    return Prefetch("source_clip", queryset=named)


def _version_count():
    """Completed versions made from a song (its edits, and theirs), as one subquery."""
    versions = Generation.objects.filter(
        origin=OuterRef("pk"), status=Generation.Status.COMPLETED
    ).order_by()
    return Subquery(
        versions.values("origin").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


def library_page(team, user, filters: dict, cursors) -> Page:
    """One page of the list from the ``older``/``newer`` cursors of its links (none: the
    first page; one that is not ours: the first page too).

    A search is counted first, from the index's list of matches; the count then tells the
    page how to test the songs: from that list when it is short, newest first when not."""
    keys = ("like_count", "created", "pk") if filters["sort"] == MOST_LIKED else ("created", "pk")
    asked = (team, user, filters)
    if filters["q"]:
        count = _count(team, user, filters, lambda: library_generations(*asked, search.COUNT))
        plan = search.FEW if count <= COUNT_CAP else search.MANY
        generations = library_generations(*asked, plan)
        if filters["sort"] == BEST_MATCH:
            ids = ranking.ranked_ids(team, user, filters, generations)
            return ranking.ranked_page(ids, generations, cursors, count)
    else:  # the page's own rows are counted
        generations = library_generations(*asked)
        count = _count(team, user, filters, lambda: generations)
    return keyset_page(
        generations,
        keys,
        older=cursors.get("older"),
        newer=cursors.get("newer"),
        count=count,
    )


def _count(team, user, filters: dict, rows: Callable[[], QuerySet[Generation]]) -> int:
    """capped_count of the list (`rows()`, made only when the count is not kept). A count
    that reached the cap is kept for CAPPED_SECONDS: "1,000+" stays true while songs are
    added, and counting that far is the dearest count."""
    key = listing_key("capped", team, user, filters)
    if cache.get(key):
        return COUNT_CAP + 1
    with search.index_first() if filters["q"] else nullcontext():
        count = capped_count(rows())
    if count > COUNT_CAP:
        cache.set(key, True, CAPPED_SECONDS)
    return count


def clips_with_media(pks: list[int]) -> QuerySet[Clip]:
    """These clips with the media columns the list leaves out (lyrics, timing, waveform)."""
    return Clip.objects.filter(pk__in=pks).defer(*CLIP_UNUSED)
