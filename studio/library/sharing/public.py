"""What a share link opens, without signing in: one song's page, read-only, and its files.

Only the song itself is shown: no author, team, prompt or database id, and no link into the
app. Files are addressed by the take's slot (``/s/<token>/A/m4a``) and served through the same
checked serving as the app (Range, ETag); downloads only when the link allows them. Every answer
asks not to be indexed, and none is cached past a revoke.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_not_required
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from studio.filenames import clean_text, cut_to_bytes, safe_filename
from studio.library import exports
from studio.library.downloads import attachment
from studio.library.lrc import build_lrc, has_timed_lines, lyric_lines
from studio.library.presenters import duration_text, lyrics_html
from studio.library.sharing.files import public_export
from studio.mediatypes import CLIP_FILES, extension
from studio.serving import serve_file
from studio.songs.models import Clip, Generation
from studio.together import shares
from studio.together.models import ShareLink

PUBLIC_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    # The token is in this page's address: no request from it may carry that on.
    "Referrer-Policy": "no-referrer",
}
# The page is re-checked on every load, files on every use (an ETag makes that a 304): a
# revoked link stops working at once, even in a browser that saw it before.
PAGE_CACHE = "private, no-store"
FILE_CACHE = "private, no-cache"
DOWNLOADS = {"wav": "Download WAV", "mp3": "Download MP3", "lrc": "Download lyrics (.lrc)"}
# The player's file, and each download: kind -> content type (the extension follows from it).
FILE_TYPES = {
    "m4a": CLIP_FILES["audio"],
    "wav": CLIP_FILES["wav"],
    "mp3": exports.FORMATS["mp3"].content_type,
    "lrc": "text/plain; charset=utf-8",
}
# The clip columns the page uses.
PAGE_FIELDS = ("slot", "title", "duration_s", "lyrics", "lyrics_timing", "is_pick", "audio")


@dataclass
class PublicTake:
    slot: str
    name: str  # "Take A"
    title: str
    duration: str
    audio_url: str
    lyrics: SafeString = mark_safe("")
    downloads: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


def _public(response: HttpResponseBase, cache: str) -> HttpResponseBase:
    for name, value in PUBLIC_HEADERS.items():
        response[name] = value
    response["Cache-Control"] = cache
    return response


def _title(clip: Clip) -> str:
    return clip.title or "Untitled"


def _file_name(clip: Clip, extension: str) -> str:
    """``Morning Sun (A).mp3``: the title (cut so the slot survives), never an id."""
    title = cut_to_bytes(clean_text(_title(clip)), 200).rstrip(" .") or "Untitled"
    return f"{title} ({clip.slot}){extension}"


def _take(link: ShareLink, clip: Clip) -> PublicTake:
    lines = lyric_lines(clip.lyrics, clip.lyrics_timing)
    if not any(line.kind == "sung" for line in lines):
        lines = []  # e.g. just "[Instrumental]"

    def url(kind: str) -> str:
        return reverse("shared_clip_file", args=[link.token, clip.slot, kind])

    downloads = []
    if link.allow_download:
        timed = any(line.timed for line in lines)
        kinds = [kind for kind in DOWNLOADS if kind != "lrc" or timed]
        downloads = [(DOWNLOADS[kind], url(kind)) for kind in kinds]
    return PublicTake(
        slot=clip.slot,
        name=clip.take_name,
        title=_title(clip),
        duration=duration_text(clip.duration_s),
        audio_url=url("m4a"),
        lyrics=lyrics_html(lines),
        downloads=downloads,
    )


def _cover(generation: Generation, clips: Iterable[Clip]) -> tuple[FieldFile, str] | None:
    """The song's cover art, else its first take's artwork (as the song page shows), with its
    content type."""
    cover = generation.cover_art
    if cover is not None and cover.image:
        return cover.image, cover.content_type or "image/jpeg"
    artwork = next((clip.image for clip in clips if clip.image), None)
    return (artwork, CLIP_FILES["image"]) if artwork else None


@login_not_required
@require_safe
def shared_song(request: HttpRequest, token: str) -> HttpResponseBase:
    link = shares.link_for_token(token)
    generation = link.generation
    clips = list(generation.clips.only("generation", "image", *PAGE_FIELDS).order_by("slot"))
    if request.method == "GET":
        shares.count_view(link)
    takes = [_take(link, clip) for clip in clips]
    lead = next((clip for clip in clips if clip.is_pick), clips[0] if clips else None)
    context = {
        "title": _title(lead) if lead else "Untitled",
        "takes": takes,
        "cover_url": reverse("shared_cover", args=[token]) if _cover(generation, clips) else "",
    }
    return _public(render(request, "sharing/public_song.html", context), PAGE_CACHE)


@login_not_required
@require_safe
def shared_cover(request: HttpRequest, token: str) -> HttpResponseBase:
    link = shares.link_for_token(token)
    generation = link.generation
    found = _cover(generation, generation.clips.only("generation", "slot", "image"))
    if found is None:
        raise Http404("This song has no cover.")
    stored, content_type = found
    filename = "Cover" + extension(content_type, ".jpg")
    response = serve_file(request, stored, filename=filename, content_type=content_type)
    return _public(response, FILE_CACHE)


@login_not_required
@require_safe
def shared_clip_file(request: HttpRequest, token: str, slot: str, kind: str) -> HttpResponseBase:
    """A take's m4a (the player); its WAV, MP3 or .lrc only when the link allows downloads."""
    link = shares.link_for_token(token)
    if kind not in FILE_TYPES or (kind != "m4a" and not link.allow_download):
        raise Http404("No such file.")
    # Asked for again with every chunk a player streams: without the waveform and upstream URLs.
    clips = Clip.objects.defer("peaks", "audio_url", "wav_url", "image_url")
    clip = get_object_or_404(clips, generation=link.generation, slot=slot)
    clip.generation = link.generation  # the MP3's tags read its cover from it
    if kind == "lrc":
        return _public(_lrc(clip), FILE_CACHE)
    if kind == "mp3":
        try:
            stored = public_export(clip, "mp3")
        except exports.ExportError as error:
            raise Http404(str(error)) from None
    else:
        stored = clip.audio if kind == "m4a" else clip.wav
    response = serve_file(
        request,
        stored,
        filename=_file_name(clip, extension(FILE_TYPES[kind])),
        attachment=kind != "m4a",
        content_type=FILE_TYPES[kind],
    )
    return _public(response, FILE_CACHE)


def _lrc(clip: Clip) -> HttpResponse:
    """The take's synced lyrics, titled with the take alone (no note of what it came from)."""
    if not has_timed_lines(clip.lyrics, clip.lyrics_timing):
        raise Http404("This take has no timed lyrics.")
    response = HttpResponse(
        build_lrc(_title(clip), clip.lyrics, clip.lyrics_timing), content_type=FILE_TYPES["lrc"]
    )
    response["Content-Disposition"] = attachment(safe_filename(_file_name(clip, ".lrc")))
    return response
