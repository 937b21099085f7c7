"""What the projects' pages read, always within the user's team (404 for anything else), and
how a project's takes are shown: the same players' tracks as the library's (presenters)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from studio.library.presenters import ClipView, clip_media, clip_view, cover_url
from studio.library.queries import CLIP_MEDIA_FIELDS, CLIP_UNUSED, GENERATION_UNUSED
from studio.songs.models import Clip, Generation
from studio.teams.access import team_for
from studio.together.models import Project, ProjectItem

USER_UNUSED = ("password", "last_login", "first_name", "last_name", "email", "date_joined")
COVER_UNUSED = ("prompt", "provider", "asset_id", "account_email")


def project_for_user(user, pk: int) -> Project:
    """A project of the user's team, or 404."""
    return get_object_or_404(Project.objects.select_related("author"), pk=pk, team=team_for(user))


def item_for_user(user, pk: int) -> ProjectItem:
    """A take in a project of the user's team, or 404."""
    items = ProjectItem.objects.select_related("project", "clip")
    return get_object_or_404(items, pk=pk, project__team=team_for(user))


def team_projects(team) -> QuerySet[Project]:
    """The team's projects, the most recently changed first, with how many takes each has."""
    return (
        Project.objects.filter(team=team)
        .select_related("author")
        .annotate(takes=Count("items"))
        .order_by("-updated", "-pk")
    )


def projects_for_clip(team, clip: Clip) -> QuerySet[Project]:
    """The team's projects for an Add to project menu, each knowing whether the take is in it."""
    has_clip = ProjectItem.objects.filter(project=OuterRef("pk"), clip=clip)
    return (
        Project.objects.filter(team=team).annotate(has_clip=Exists(has_clip)).order_by("-updated")
    )


def items_with_clips(project: Project, *, media: bool = False) -> list[ProjectItem]:
    """The project's takes in order, each with its song, cover and author (one query).

    `media`: with the columns the take's tags are made of (lyrics, timing), for the zip.
    """
    clip_unused = [f"clip__{name}" for name in CLIP_UNUSED]
    if not media:
        clip_unused += [f"clip__{name}" for name in CLIP_MEDIA_FIELDS]
    else:
        clip_unused.append("clip__peaks")
    song = "clip__generation"
    # Of the joined rows, only what the takes show: sixty rows of every column (the source's
    # lyrics and peaks, the author's password hash) cost more to read than the query itself.
    source_unused = (*CLIP_UNUSED, *CLIP_MEDIA_FIELDS)
    return list(
        ProjectItem.objects.filter(
            project=project, clip__generation__status=Generation.Status.COMPLETED
        )
        .select_related(f"{song}__author", f"{song}__cover_art", f"{song}__team")
        .select_related(f"{song}__source_clip")
        .defer(*clip_unused, *(f"{song}__{name}" for name in GENERATION_UNUSED))
        .defer(*(f"{song}__source_clip__{name}" for name in source_unused))
        .defer(*(f"{song}__author__{name}" for name in USER_UNUSED))
        .defer(*(f"{song}__cover_art__{name}" for name in COVER_UNUSED))
        .order_by("position", "pk")
    )


@dataclass
class Entry:
    """One take of a project's page: its item (position), its player track, song and cover."""

    item: ProjectItem
    take: ClipView
    song_url: str
    cover: str


def entries(items: list[ProjectItem]) -> list[Entry]:
    """The page's takes; their players' media come from the cache (one query for what is not)."""
    media = clip_media([item.clip for item in items])
    shown = []
    for item in items:
        clip = item.clip
        cover = cover_url(clip.generation, [clip])
        song_url = reverse("song", args=[clip.generation_id])
        shown.append(Entry(item, clip_view(clip, media[clip.pk], song_url, cover), song_url, cover))
    return shown
