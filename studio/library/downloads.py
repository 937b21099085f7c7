"""Downloads built on the fly: a clip's lyrics as LRC, and a whole generation as a zip."""

from __future__ import annotations

import json
import logging
from pathlib import PurePosixPath

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from studio.filenames import MAX_BYTES, clean_text, cut_to_bytes, safe_filename
from studio.library.exports import ExportError, clip_export
from studio.library.lrc import build_lrc, has_timed_lines
from studio.library.queries import clip_for_user, generation_for_user
from studio.library.tagging import origin_text
from studio.library.zipstream import Member, stream_zip
from studio.songs.edits.services import lineage
from studio.songs.models import Clip, Generation

logger = logging.getLogger(__name__)

# Not for the archive: the webhook address carries a per-generation secret token.
PRIVATE_REQUEST_KEYS = {"replyUrl"}


# Bytes clip_name leaves free for the extension its callers add (".wav", ".lrc", ".m4a").
EXTENSION_ROOM = 16


def clip_name(clip: Clip) -> str:
    """The base of a clip's download names: ``Morning Sun (A)``, already clean.

    A long title is cut here, not with the slot: "(A)" and "(B)" must survive, or the two takes
    of a zip would get one name.
    """
    slot = f" ({clip.slot})"
    room = MAX_BYTES - EXTENSION_ROOM - len(slot.encode())
    title = cut_to_bytes(clean_text(clip.title or f"Song {clip.generation_id}"), room)
    return (title.rstrip(" .") or f"Song {clip.generation_id}") + slot


def attachment(filename: str) -> str:
    """A Content-Disposition value that makes the browser save the file under this name."""
    return content_disposition_header(True, filename) or "attachment"


def lrc_text(clip: Clip) -> str:
    """An edit's LRC says what it was made from, in a comment line players ignore."""
    title = clip.title or f"Song {clip.generation_id}"
    return build_lrc(title, clip.lyrics, clip.lyrics_timing, comment=origin_text(clip.generation))


def clip_lrc(request: HttpRequest, pk: int):
    """The clip's synced lyrics; 404 when it has none (an instrumental, or no timing)."""
    clip = clip_for_user(request.user, pk)
    if not has_timed_lines(clip.lyrics, clip.lyrics_timing):
        raise Http404("This clip has no timed lyrics.")
    response = HttpResponse(lrc_text(clip), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = attachment(safe_filename(f"{clip_name(clip)}.lrc"))
    return response


def _present(stored: FieldFile | None) -> FieldFile | None:
    """The stored file, if it is there (on this disk or in the bucket)."""
    if not stored or not stored.name:
        return None
    return stored if stored.storage.exists(stored.name) else None


def _tagged_wav(clip: Clip) -> FieldFile | None:
    """The clip's tagged WAV export; the bare stored WAV if it cannot be tagged."""
    if not clip.wav:
        return None
    try:
        return _present(clip_export(clip, "wav"))
    except ExportError as error:
        logger.warning("clip %s: zipping its WAV untagged (%s)", clip.pk, error)
        return _present(clip.wav)


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
        "title": generation.title,
        "model": generation.model,
        "made_from": lineage(generation),
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
    """Both WAVs (tagged), the cover, the .lrc files and request.json; missing files are left
    out."""
    members: list[Member] = []
    files: dict[int, dict] = {}
    for clip in clips:
        clip.generation = generation  # its tags read the author, team and cover from it
        wav_name, lrc_name = (safe_filename(clip_name(clip) + ext) for ext in (".wav", ".lrc"))
        files[clip.pk] = {}
        if wav := _tagged_wav(clip):
            members.append(Member(wav_name, stored=wav))
            files[clip.pk]["wav"] = wav_name
        if has_timed_lines(clip.lyrics, clip.lyrics_timing):
            members.append(Member(lrc_name, data=lrc_text(clip).encode(), compress=True))
            files[clip.pk]["lrc"] = lrc_name
    cover = _present(generation.cover_art.image if generation.cover_art else None)
    if cover is None:
        cover = next(filter(None, (_present(clip.image) for clip in clips)), None)
    if cover is not None:
        suffix = PurePosixPath(cover.name or "").suffix.lower() or ".jpg"
        members.append(Member("cover" + suffix, stored=cover))
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
    # Named after the song's pick when there is one (else take A), like its page.
    lead = next((clip for clip in clips if clip.is_pick), clips[0])
    name = safe_filename(f"{lead.title or f'Song {generation.pk}'}.zip", "Song")
    response["Content-Disposition"] = attachment(name)
    response["Cache-Control"] = "private, no-store"
    return response
