"""The versions tree of a song page: the original song, the takes made from its takes (extend,
replace section, cover, remix), and the takes made from those, each linked and playable."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from studio.library.presenters import ClipView, GenerationView, generation_views
from studio.library.queries import listed_clips
from studio.songs.edits.services import made_from
from studio.songs.models import Generation

Status = Generation.Status
MAX_VERSIONS = 200  # a tree bigger than this is cut (oldest first are kept)
HIDDEN = (Status.CANCELED,)


@dataclass
class TakeNode:
    take: ClipView
    edits: list[VersionNode] = field(default_factory=list)  # made from this take


@dataclass
class VersionNode:
    generation: Generation
    view: GenerationView | None  # completed ones only: their takes play
    made_from: str  # "Extended from “Night Drive” (take A)"; "" for the original
    takes: list[TakeNode] = field(default_factory=list)
    current: bool = False  # the page being shown


@dataclass
class Versions:
    root: VersionNode | None
    count: int  # versions besides the original
    active: bool  # something is still being made: the section keeps itself up to date


def origin_id(generation: Generation) -> int:
    return generation.origin_id or generation.pk


def _members(generation: Generation, root_pk: int) -> list[Generation]:
    """The tree's generations, oldest first; `generation` (already read) is not read again."""
    # By the root and its origin index only, the team checked on the rows: with the team in the
    # query, SQLite walked the team's whole (team, created) index to a large library's end.
    tree = (
        Q(origin_id=root_pk) if generation.pk == root_pk else Q(pk=root_pk) | Q(origin_id=root_pk)
    )
    rows = (
        Generation.objects.filter(tree)
        .exclude(pk=generation.pk)
        .exclude(status__in=HIDDEN)
        .select_related("author", "cover_art", "source_clip")
        .prefetch_related(Prefetch("clips", queryset=listed_clips()))
        .defer("result", "request", "search_text", "extra_image_ids", "reference_audio_ids")
        .order_by("created", "pk")
    )
    found = [g for g in rows[: MAX_VERSIONS - 1] if g.team_id == generation.team_id]
    return sorted([generation, *found], key=lambda g: (g.created, g.pk))


def versions_of(generation: Generation, view: GenerationView | None = None) -> Versions:
    """The tree `generation` belongs to, as the song page shows it (`view`: the page's own
    view of `generation`, reused rather than built again)."""
    root_pk = origin_id(generation)
    members = _members(generation, root_pk)
    done = [g for g in members if g.status == Status.COMPLETED and not (view and g == generation)]
    views = {view.generation.pk: view for view in generation_views(done)}
    if view is not None:
        views[generation.pk] = view
    nodes = {
        g.pk: VersionNode(g, views.get(g.pk), made_from(g), current=g.pk == generation.pk)
        for g in members
    }
    takes = {}
    for node in nodes.values():
        if node.view is not None:
            node.takes = [TakeNode(take) for take in node.view.clips]
            takes.update({take.take.clip.pk: take for take in node.takes})
    for g in members:
        parent = takes.get(g.source_clip_id) if g.source_clip_id else None
        if parent is not None:
            parent.edits.append(nodes[g.pk])
    root = nodes.get(root_pk)
    return Versions(
        root=root,
        count=sum(1 for g in members if g.pk != root_pk),
        active=any(g.is_active for g in members),
    )
