"""What the library templates show for a song: its clips' players, lyrics, durations, cover.

A clip's player and download links depend only on what the upstream returned for it, so they
are rendered once and cached (clip_media).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from studio.library.lrc import LyricLine, lyric_lines
from studio.library.queries import clips_with_media
from studio.songs.models import Clip, Generation

WAVE_POINTS = 200
MEDIA_CACHE_PREFIX = "library:clip-media:v2"  # a new version when the markup changes
MEDIA_CACHE_SECONDS = 7 * 24 * 3600


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


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


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
        rendered = {keys[clip.pk]: render_clip_media(clip) for clip in clips_with_media(missing)}
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


def generation_views(generations: list[Generation]) -> list[GenerationView]:
    """A page of the library, as its template shows it."""
    media = clip_media([clip for generation in generations for clip in generation.clips.all()])
    return [generation_view(generation, media) for generation in generations]
