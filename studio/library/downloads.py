"""Downloads built on the fly: a clip's lyrics as LRC, and a whole generation as a zip."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from studio.library.lrc import build_lrc, has_timed_lines
from studio.library.queries import clip_for_user, generation_for_user
from studio.library.zipstream import Member, stream_zip
from studio.songs.models import Clip, Generation

UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
# Not for the archive: the webhook address carries a per-generation secret token.
PRIVATE_REQUEST_KEYS = {"replyUrl"}


def clip_name(clip: Clip) -> str:
    """The base of a clip's download names: ``Morning Sun (A)``."""
    title = clip.title or f"Song {clip.generation_id}"
    return f"{title} ({clip.slot})"


def safe_name(name: str) -> str:
    """A file name every unzip tool accepts: no separators, no control characters."""
    return UNSAFE_NAME.sub("_", name).strip(" .")[:150] or "song"


def attachment(filename: str) -> str:
    """A Content-Disposition value that makes the browser save the file under this name."""
    return content_disposition_header(True, filename) or "attachment"


def lrc_text(clip: Clip) -> str:
    return build_lrc(clip.title or f"Song {clip.generation_id}", clip.lyrics, clip.lyrics_timing)


def clip_lrc(request: HttpRequest, pk: int):
    """The clip's synced lyrics; 404 when it has none (an instrumental, or no timing)."""
    clip = clip_for_user(request.user, pk)
    if not has_timed_lines(clip.lyrics, clip.lyrics_timing):
        raise Http404("This clip has no timed lyrics.")
    response = HttpResponse(lrc_text(clip), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = attachment(f"{clip_name(clip)}.lrc")
    return response


def _stored_path(stored: FieldFile) -> Path | None:
    if not stored or not stored.name:
        return None
    try:
        path = Path(stored.path)
    except NotImplementedError:
        return None
    return path if path.is_file() else None


def _record(generation: Generation, clips: list[Clip], files: dict[int, dict]) -> dict:
    """What was asked and what came back: enough to understand or redo the song."""
    request = {k: v for k, v in (generation.request or {}).items() if k not in PRIVATE_REQUEST_KEYS}
    return {
        "generation": generation.pk,
        "created": generation.created,
        "author": generation.author.get_username() if generation.author else None,
        "prompt": generation.prompt,
        "lyrics": generation.lyrics,
        "instrumental": generation.instrumental,
        "settings": {
            "lyrics_writer": generation.ghostwriter,
            "account_choice": generation.account_choice or "auto",
            "account": generation.account_email,
            "cover_art": generation.cover_art_id,
            "extra_image_ids": generation.extra_image_ids,
            "reference_audio_ids": generation.reference_audio_ids,
        },
        "request": request,
        "clips": [
            {
                "slot": clip.slot,
                "clip_id": clip.clip_id,
                "title": clip.title,
                "duration_s": clip.duration_s,
                "seed": clip.seed,
                "is_pick": clip.is_pick,
                "lyrics": clip.lyrics,
                "lyrics_timing": clip.lyrics_timing,
                "files": files[clip.pk],
            }
            for clip in clips
        ],
    }


def generation_members(generation: Generation, clips: list[Clip]) -> list[Member]:
    """Both WAVs, the cover, the .lrc files and request.json; missing files are left out."""
    members: list[Member] = []
    files: dict[int, dict] = {}
    for clip in clips:
        base = safe_name(clip_name(clip))
        files[clip.pk] = {}
        if wav := _stored_path(clip.wav):
            members.append(Member(f"{base}.wav", path=wav))
            files[clip.pk]["wav"] = f"{base}.wav"
        if has_timed_lines(clip.lyrics, clip.lyrics_timing):
            members.append(Member(f"{base}.lrc", data=lrc_text(clip).encode(), compress=True))
            files[clip.pk]["lrc"] = f"{base}.lrc"
    cover = generation.cover_art.image if generation.cover_art else None
    cover_path = _stored_path(cover) if cover else None
    if cover_path is None:
        cover_path = next(filter(None, (_stored_path(clip.image) for clip in clips)), None)
    if cover_path is not None:
        members.append(Member("cover" + (cover_path.suffix.lower() or ".jpg"), path=cover_path))
    record = json.dumps(_record(generation, clips, files), cls=DjangoJSONEncoder, indent=2)
    members.append(Member("request.json", data=record.encode(), compress=True))
    return members


def generation_zip(request: HttpRequest, pk: int):
    generation = generation_for_user(request.user, pk)
    clips = list(generation.clips.order_by("slot"))
    if not clips:
        raise Http404("This song has no clips yet.")
    members = generation_members(generation, clips)
    response = StreamingHttpResponse(
        stream_zip(members, generation.created), content_type="application/zip"
    )
    name = safe_name(clips[0].title or f"Song {generation.pk}")
    response["Content-Disposition"] = attachment(f"{name}.zip")
    response["Cache-Control"] = "private, no-store"
    return response
