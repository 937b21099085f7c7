"""The library (home page): the team's finished songs, and their media behind the team check."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe

from studio.library.forms import LibraryFilterForm
from studio.library.http import HtmxHttpRequest
from studio.library.lrc import LyricLine, lyric_lines
from studio.library.media import serve_file
from studio.songs import search
from studio.songs.models import Clip, CoverArt, Generation
from studio.teams.access import team_for

PAGE_SIZE = 20
WAVE_POINTS = 200
CLIP_FILES = {
    "wav": ("wav", ".wav", "audio/wav"),
    "m4a": ("audio", ".m4a", "audio/mp4"),
    "image": ("image", ".jpg", "image/jpeg"),
}
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
# Only needed to render a clip's player and lyrics, which are then cached (clip_media).
CLIP_MEDIA_FIELDS = ("lyrics", "lyrics_timing", "peaks")
MEDIA_CACHE_PREFIX = "library:clip-media:v2"  # a new version when the markup changes
MEDIA_CACHE_SECONDS = 7 * 24 * 3600


def clip_for_user(user, pk: int) -> Clip:
    """A clip of the user's team, or 404 (never 403: other teams' ids do not exist for them)."""
    return get_object_or_404(
        Clip.objects.select_related("generation"), pk=pk, generation__team=team_for(user)
    )


def generation_for_user(user, pk: int) -> Generation:
    return get_object_or_404(
        Generation.objects.select_related("author", "cover_art"), pk=pk, team=team_for(user)
    )


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


def clip_name(clip: Clip) -> str:
    """The base of a clip's download names: ``Morning Sun (A)``."""
    title = clip.title or f"Song {clip.generation_id}"
    return f"{title} ({clip.slot})"


@dataclass
class ClipView:
    clip: Clip
    player: SafeString  # the player with its waveform and the lyrics
    downloads: SafeString  # the download links
    duration: str


@dataclass
class GenerationView:
    generation: Generation
    clips: list[ClipView] = field(default_factory=list)
    cover_url: str = ""


def lyrics_html(lines: list[LyricLine]) -> SafeString:
    """One element per line: tags as headings, sung lines with their timing for the player.

    Built here rather than in a template loop, which would be the slowest part of the page.
    """
    parts = []
    for line in lines:
        text = escape(line.text)
        if line.kind == "tag":
            parts.append(f'<h3 class="lyric-tag">{text}</h3>')
        elif line.kind == "blank":
            parts.append('<div class="lyric-gap" aria-hidden="true"></div>')
        elif line.start is None or line.end is None:
            parts.append(f'<p class="lyric-line">{text}</p>')
        else:
            parts.append(
                f'<p class="lyric-line" data-start="{line.start:.2f}" '
                f'data-end="{line.end:.2f}">{text}</p>'
            )
    return mark_safe("\n".join(parts))  # every text above is escaped


def peaks_attribute(peaks: list | None) -> str:
    """The waveform as integers 0..100, at most WAVE_POINTS of them (the loudest of each slice).

    The canvas is a few hundred pixels wide: more points would only make the page heavier.
    """
    values = np.asarray(peaks or [], dtype=np.float32)
    if values.size > WAVE_POINTS:
        edges = np.linspace(0, values.size, WAVE_POINTS + 1).astype(int)[:-1]
        values = np.maximum.reduceat(values, edges)
    return ",".join(map(str, np.rint(np.clip(values, 0, 1) * 100).astype(int).tolist()))


def render_clip_media(clip: Clip) -> tuple[str, str]:
    """A clip's player (waveform, lyrics) and its download links, as HTML."""
    lines = lyric_lines(clip.lyrics, clip.lyrics_timing)
    if not any(line.kind == "sung" for line in lines):
        lines = []  # e.g. just "[Instrumental]": nothing to sing along to
    context = {
        "clip": clip,
        "m4a_url": reverse("clip_file", args=[clip.pk, "m4a"]),
        "lyrics": lyrics_html(lines),
        "peaks": peaks_attribute(clip.peaks),
        "duration": duration_text(clip.duration_s),
        "has_lrc": any(line.timed for line in lines),
    }
    return (
        render_to_string("library/partials/clip_player.html", context),
        render_to_string("library/partials/clip_downloads.html", context),
    )


def clip_media(clips: list[Clip]) -> dict[int, tuple[str, str]]:
    """Each clip's media HTML by pk: cached, else rendered, with one query for all the others.

    It depends only on what the upstream returned for that clip id, which never changes, and
    its columns (lyrics, timing, 800-point waveform) are the slowest part of the page to load
    and render. So a page makes one more query only while some of its clips are not cached.
    """
    keys = {clip.pk: f"{MEDIA_CACHE_PREFIX}:{clip.pk}:{clip.clip_id}" for clip in clips}
    found = cache.get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        rendered = {
            keys[clip.pk]: render_clip_media(clip)
            for clip in Clip.objects.filter(pk__in=missing).defer(*CLIP_UNUSED)
        }
        cache.set_many(rendered, MEDIA_CACHE_SECONDS)
        found.update(rendered)
    return {pk: found[key] for pk, key in keys.items()}


def generation_view(generation: Generation, media: dict[int, tuple[str, str]]) -> GenerationView:
    clips = []
    for clip in generation.clips.all():
        player, downloads = media[clip.pk]  # our templates' output, escaped there
        clips.append(
            ClipView(clip, mark_safe(player), mark_safe(downloads), duration_text(clip.duration_s))
        )
    cover = generation.cover_art
    if cover is not None and cover.image:
        url = reverse("cover_image", args=[cover.pk])
    else:
        with_art = next((c.clip for c in clips if c.clip.image), None)
        url = reverse("clip_file", args=[with_art.pk, "image"]) if with_art else ""
    return GenerationView(generation, clips, url)


def library_generations(team, user, filters: dict) -> QuerySet[Generation]:
    """Completed generations with clips, newest first; a fixed number of queries per page.

    The clips come without their media columns: see clip_media.
    """
    clips = Clip.objects.defer(*CLIP_UNUSED, *CLIP_MEDIA_FIELDS).order_by("slot")
    if filters["picks"]:
        clips = clips.filter(is_pick=True)
    generations = (
        Generation.objects.filter(team=team, status=Generation.Status.COMPLETED)
        .filter(Exists(Clip.objects.filter(generation=OuterRef("pk"))))
        .select_related("author", "cover_art")
        .defer(*GENERATION_UNUSED)
        .prefetch_related(Prefetch("clips", queryset=clips))
        .order_by("-created", "-pk")
    )
    # Subqueries rather than joins: one row per generation, no DISTINCT needed. (Exists stops at
    # the first match; IN over a small set of picks is cheaper than Exists per generation.)
    if query := filters["q"]:
        generations = generations.filter(search.matching(query))
    if filters["who"] == "mine":
        generations = generations.filter(author=user)
    if filters["kind"]:
        generations = generations.filter(instrumental=filters["kind"] == "instrumental")
    if filters["picks"]:
        picked = Clip.objects.filter(is_pick=True).values("generation_id")
        generations = generations.filter(pk__in=picked)
    return generations


def library(request: HtmxHttpRequest):
    team = team_for(request.user)
    form = LibraryFilterForm(request.GET)
    filters = form.filters()
    generations = library_generations(team, request.user, filters)
    page = Paginator(generations, PAGE_SIZE).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    media = clip_media([clip for generation in listed for clip in generation.clips.all()])
    filtered = bool(filters["q"] or filters["who"] or filters["kind"] or filters["picks"])
    context = {
        "form": form,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "items": [generation_view(g, media) for g in listed],
        "filtered": filtered,
        "next_url": request.get_full_path(),
    }
    htmx = request.htmx
    partial = htmx.target == "library-results" and not htmx.history_restore_request
    template = "library/partials/results.html" if partial else "library/library.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def clip_file(request: HttpRequest, pk: int, kind: str):
    if kind not in CLIP_FILES:
        raise Http404("No such file.")
    clip = clip_for_user(request.user, pk)
    field_name, extension, content_type = CLIP_FILES[kind]
    return serve_file(
        request,
        getattr(clip, field_name),
        filename=clip_name(clip) + extension,
        attachment="download" in request.GET,
        content_type=content_type,
    )


def cover_image(request: HttpRequest, pk: int):
    cover = get_object_or_404(CoverArt, pk=pk, team=team_for(request.user))
    extension = {"image/png": ".png", "image/webp": ".webp"}.get(cover.content_type, ".jpg")
    return serve_file(
        request,
        cover.image,
        filename=f"Cover {cover.pk}{extension}",
        attachment="download" in request.GET,
        content_type=cover.content_type or None,
    )
