"""What the library and song page templates show for a song: its clips' players, lyrics,
durations, loudness, cover, and the track each take gives the global player.

A clip's player, download links, waveform and lyrics depend only on what the upstream returned
for it, so they are rendered once and cached (clip_media); its title, pick, likes and track are
not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from typing import NamedTuple

import numpy as np
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape as escape_html
from django.utils.safestring import SafeString, mark_safe

from studio.library.lrc import LyricLine, lyric_lines
from studio.library.queries import clips_with_media
from studio.songs.edits.services import made_from
from studio.songs.models import Clip, Generation
from studio.songs.pipeline.loudness import gain_db
from studio.together.likes import NO_LIKES, Likes, likes_of

WAVE_POINTS = 200
MEDIA_CACHE_PREFIX = "library:clip-media:v4"  # a new version when the markup changes
MEDIA_CACHE_SECONDS = 7 * 24 * 3600


class ClipMedia(NamedTuple):
    """What is rendered once per clip and cached (clip_media): HTML, and the waveform."""

    player: str  # the player with its waveform and the lyrics
    downloads: str  # the download links
    peaks: str  # peaks_attribute of the waveform
    lyrics: str  # lyrics_html with buttons, "" when there is nothing to sing along to
    src: str  # the m4a's URL, for the player


@dataclass
class ClipView:
    clip: Clip
    player: SafeString  # the player with its waveform and the lyrics
    downloads: SafeString  # the download links
    duration: str  # "m:ss", floored, as the waveform's time display counts
    duration_s: float = 0.0  # seconds, for scripts (0 when unknown)
    label: str = ""  # "Take A — Night Drive"
    peaks: str = ""  # the waveform, "0..100" integers, comma-separated
    lyrics: SafeString = mark_safe("")  # the lines alone, timed ones as seek buttons
    track: dict = field(default_factory=dict)  # what the player plays (see track_json)
    track_json: SafeString = mark_safe("")  # `track` as JSON, escaped for any attribute
    loudness_lufs: float | None = None  # integrated loudness, measured at ingest
    true_peak_db: float | None = None  # dBTP
    gain_db: float = 0.0  # brings the take to -14 LUFS; 0 when its loudness is unknown
    tempo_bpm: float | None = None  # analysed after ingest; None until then or without a beat
    key: str = ""  # "A minor", "F# major"; "" until analysed or when no key stands out
    edit_forms: list = field(default_factory=list)  # the song page's Extend, Replace section, …
    likes: Likes = NO_LIKES  # who liked it (when the page shows likes: see generation_views)


@dataclass
class GenerationView:
    generation: Generation
    clips: list[ClipView] = field(default_factory=list)
    cover_url: str = ""
    url: str = ""  # the song page
    made_from: str = ""  # an edit's "Extended from “Night Drive” (take A)"
    source_url: str = ""  # the song page of its source take
    versions: int = 0  # an original's versions (edits made from it), when counted


def duration_text(seconds: float | None) -> str:
    """ "m:ss", floored: the same count the waveform's time display shows (0:24.9 is 0:24)."""
    if seconds is None:
        return ""
    total = int(max(seconds, 0))
    return f"{total // 60}:{total % 60:02d}"


def lyrics_html(lines: list[LyricLine], *, buttons: bool = False) -> SafeString:
    """One element per line: tags as headings, sung lines with their timing for the player
    (with `buttons`, a timed line is a button that seeks there, as on the song page).

    Built here rather than in a template loop, which would be the slowest part of the page.
    """
    timed = "button" if buttons else "p"
    extra = ' type="button"' if buttons else ""
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
                f'<{timed}{extra} class="lyric-line" data-start="{line.start:.2f}" '
                f'data-end="{line.end:.2f}">{text}</{timed}>'
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


def render_clip_media(clip: Clip) -> ClipMedia:
    """A clip's player (waveform, lyrics) and its download links, as HTML; its waveform."""
    lines = lyric_lines(clip.lyrics, clip.lyrics_timing)
    if not any(line.kind == "sung" for line in lines):
        lines = []  # e.g. just "[Instrumental]": nothing to sing along to
    peaks = peaks_attribute(clip.peaks)
    m4a_url = reverse("clip_file", args=[clip.pk, "m4a"])
    context = {
        "clip": clip,
        "m4a_url": m4a_url,
        "lyrics": lyrics_html(lines),
        "peaks": peaks,
        "duration": duration_text(clip.duration_s),
        "has_lrc": any(line.timed for line in lines),
    }
    return ClipMedia(
        render_to_string("library/partials/clip_player.html", context),
        render_to_string("library/partials/clip_downloads.html", context),
        peaks,
        lyrics_html(lines, buttons=True),
        m4a_url,
    )


def clip_media(clips: list[Clip]) -> dict[int, ClipMedia]:
    """Each clip's media by pk: cached, else rendered, with one query for all the others.

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
    return {pk: ClipMedia(*found[key]) for pk, key in keys.items()}


def track(clip: Clip, src: str, song_url: str, cover: str) -> dict:
    """What the player needs to play a take (the Track of the issue 12 contract)."""
    return {
        "id": clip.pk,
        "src": src,
        "title": f"{clip.title or 'Untitled'} ({clip.slot})",
        "song": song_url,
        "cover": cover,
        "duration": round(clip.duration_s or 0.0, 2),
        "gain": gain_db(clip.loudness_lufs),
    }


def clip_view(
    clip: Clip, media: ClipMedia, song_url: str, cover: str, likes: Likes = NO_LIKES
) -> ClipView:
    played = track(clip, media.src, song_url, cover)
    return ClipView(
        clip,
        mark_safe(media.player),  # our templates' output, escaped there
        mark_safe(media.downloads),
        duration_text(clip.duration_s),
        duration_s=float(clip.duration_s or 0.0),
        label=f"{clip.take_name} — {clip.title or 'Untitled'}",
        peaks=media.peaks,
        lyrics=mark_safe(media.lyrics),  # lyrics_html, escaped there
        track=played,
        # Escaped: safe in a single- or double-quoted attribute (data-track='…').
        track_json=escape_html(json.dumps(played)),
        loudness_lufs=clip.loudness_lufs,
        true_peak_db=clip.true_peak_db,
        gain_db=played["gain"],
        tempo_bpm=clip.tempo_bpm,
        key=clip.key,
        likes=likes,
    )


def cover_url(generation: Generation, clips: list[Clip]) -> str:
    """The song's cover art, else the artwork of its first take that has one, else ""."""
    cover = generation.cover_art
    if cover is not None and cover.image:
        return reverse("cover_image", args=[cover.pk])
    with_art = next((clip for clip in clips if clip.image), None)
    return reverse("clip_file", args=[with_art.pk, "image"]) if with_art else ""


def generation_view(
    generation: Generation, media: dict[int, ClipMedia], likes: dict[int, Likes]
) -> GenerationView:
    clips = list(generation.clips.all())
    cover = cover_url(generation, clips)
    url = reverse("song", args=[generation.pk])
    views = [
        clip_view(clip, media[clip.pk], url, cover, likes.get(clip.pk, NO_LIKES)) for clip in clips
    ]
    source = generation.source_clip if generation.is_edit else None
    return GenerationView(
        generation,
        views,
        cover,
        url,
        made_from=made_from(generation),
        source_url=reverse("song", args=[source.generation_id]) + f"#clip-{source.pk}"
        if source
        else "",
        versions=getattr(generation, "version_count", 0) or 0,
    )


def generation_views(generations: list[Generation], user=None) -> list[GenerationView]:
    """A page of the library (or one song), as its template shows it; with the `user`, who
    liked each take (one query for the page, never cached: likes change)."""
    clips = [clip for generation in generations for clip in generation.clips.all()]
    media = clip_media(clips)
    likes = likes_of(clips, user) if user is not None else {}
    return [generation_view(generation, media, likes) for generation in generations]
