"""The tags an exported take carries, and how each format spells them (mutagen).

| tag            | MP3 and WAV (ID3v2.3)  | m4a (MP4)   | FLAC (Vorbis comments) |
| -------------- | ---------------------- | ----------- | ---------------------- |
| title          | TIT2                   | ©nam        | TITLE                  |
| artist         | TPE1                   | ©ART        | ARTIST                 |
| album          | TALB                   | ©alb        | ALBUM                  |
| date           | TDRC (TYER+TDAT)       | ©day        | DATE                   |
| cover          | APIC (front cover)     | covr        | PICTURE block          |
| lyrics         | USLT                   | ©lyr        | LYRICS                 |
| synced lyrics  | SYLT (milliseconds)    | —           | —                      |
| comment        | COMM                   | ©cmt        | COMMENT                |

Only ID3 has a standard frame for synced lyrics; the other formats carry the unsynced text.
ID3v2.3 rather than 2.4: Windows Explorer and older players read only 2.3 (mutagen converts).
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

from django.db.models.fields.files import FieldFile
from django.utils import timezone
from mutagen import id3
from mutagen.flac import FLAC, Picture
from mutagen.mp4 import MP4, MP4Cover
from mutagen.wave import WAVE
from PIL import Image, UnidentifiedImageError

from studio.library.lrc import lyric_lines
from studio.songs.edits.services import made_from
from studio.songs.models import Clip, Generation

# Covers bigger than this are left out rather than copied into every export.
MAX_COVER_BYTES = 10 * 1024 * 1024
# The language of the lyrics is not known: ISO 639-2 "undetermined" as ID3 spells it.
LANGUAGE = "XXX"


@dataclass(frozen=True)
class Cover:
    data: bytes
    mime: str  # image/jpeg or image/png: what every format accepts
    width: int
    height: int


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str
    album: str
    date: str  # YYYY-MM-DD
    lyrics: str  # "" for an instrumental
    synced: list[tuple[str, int]] = field(default_factory=list)  # (line, start in ms)
    comment: str = ""
    cover_name: str = ""  # the stored image's name: loaded (read_cover) only when writing

    def fingerprint(self) -> str:
        """Everything an export's bytes depend on, so a renamed take gets a new export."""
        return json.dumps(asdict(self), sort_keys=True)


def origin_text(generation: Generation) -> str:
    """ "Extended from “Night Drive” (take A): add a guitar solo", or "" for a song."""
    origin = made_from(generation)
    if origin and generation.instruction:
        origin += f": {generation.instruction}"
    return origin


def cover_file(clip: Clip) -> FieldFile | None:
    """The song's cover art, else the take's own artwork, else None."""
    cover = clip.generation.cover_art
    if cover is not None and cover.image:
        return cover.image
    return clip.image or None


def tags_for(clip: Clip) -> Tags:
    generation = clip.generation
    lines = [line for line in lyric_lines(clip.lyrics, clip.lyrics_timing) if line.kind == "sung"]
    model = generation.get_model_display() if generation.model else ""
    comment = [
        generation.prompt.strip(),
        f"Model: {model} ({generation.model})" if model else "",
        origin_text(generation),
    ]
    cover = cover_file(clip)
    return Tags(
        title=clip.title or f"Song {generation.pk}",
        artist=generation.author.get_username() if generation.author else "",
        album=generation.team.name,
        date=timezone.localtime(generation.created).date().isoformat(),
        lyrics=clip.lyrics.strip() if lines else "",
        synced=[(line.text, round(line.start * 1000)) for line in lines if line.start is not None],
        comment="\n".join(part for part in comment if part),
        cover_name=(cover.name or "") if cover else "",
    )


def read_cover(stored: FieldFile | None) -> Cover | None:
    """The image as JPEG or PNG bytes (MP4 takes nothing else); None when it is not an image."""
    if not stored:
        return None
    try:
        if stored.size > MAX_COVER_BYTES:
            return None
        with stored.open("rb") as source:
            data = source.read()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.format in ("JPEG", "PNG"):
                mime = f"image/{image.format.lower()}"
                return Cover(data, mime, image.width, image.height)
            png = io.BytesIO()
            image.save(png, "PNG")
            return Cover(png.getvalue(), "image/png", image.width, image.height)
    except (UnidentifiedImageError, OSError, ValueError):
        return None  # a missing or broken cover costs the export its picture, not the download


def _id3_frames(tags: Tags, cover: Cover | None) -> list[id3.Frame]:
    utf8 = id3.Encoding.UTF8
    frames: list[id3.Frame] = [
        id3.TIT2(encoding=utf8, text=tags.title),
        id3.TALB(encoding=utf8, text=tags.album),
        id3.TDRC(encoding=utf8, text=tags.date),
    ]
    if tags.artist:
        frames.append(id3.TPE1(encoding=utf8, text=tags.artist))
    if tags.comment:
        frames.append(id3.COMM(encoding=utf8, lang=LANGUAGE, desc="", text=tags.comment))
    if tags.lyrics:
        frames.append(id3.USLT(encoding=utf8, lang=LANGUAGE, desc="", text=tags.lyrics))
    if tags.synced:
        frames.append(
            id3.SYLT(
                encoding=utf8,
                lang=LANGUAGE,
                format=2,  # timestamps in milliseconds
                type=1,  # lyrics
                desc="",
                text=tags.synced,
            )
        )
    if cover:
        picture = id3.PictureType.COVER_FRONT
        frames.append(
            id3.APIC(encoding=utf8, mime=cover.mime, type=picture, desc="", data=cover.data)
        )
    return frames


def _tag_id3(path: Path, tags: Tags, cover: Cover | None) -> None:
    tagged = id3.ID3()
    for frame in _id3_frames(tags, cover):
        tagged.add(frame)
    # v2.3 has no UTF-8: mutagen then writes UTF-16, which every reader of 2.3 knows.
    tagged.save(path, v2_version=3)


def _tag_wav(path: Path, tags: Tags, cover: Cover | None) -> None:
    """An ``id3 `` chunk after the audio: readers that do not know it skip it."""
    wav = WAVE(path)
    wav.add_tags()
    assert wav.tags is not None
    for frame in _id3_frames(tags, cover):
        wav.tags.add(frame)
    wav.save(v2_version=3)


def _tag_m4a(path: Path, tags: Tags, cover: Cover | None) -> None:
    m4a = MP4(path)
    values = {
        "©nam": tags.title,
        "©ART": tags.artist,
        "©alb": tags.album,
        "©day": tags.date,
        "©lyr": tags.lyrics,
        "©cmt": tags.comment,
    }
    m4a.update({key: [value] for key, value in values.items() if value})
    if cover:
        kind = MP4Cover.FORMAT_PNG if cover.mime == "image/png" else MP4Cover.FORMAT_JPEG
        m4a["covr"] = [MP4Cover(cover.data, imageformat=kind)]
    m4a.save()


def _tag_flac(path: Path, tags: Tags, cover: Cover | None) -> None:
    flac = FLAC(path)
    values = {
        "TITLE": tags.title,
        "ARTIST": tags.artist,
        "ALBUM": tags.album,
        "DATE": tags.date,
        "LYRICS": tags.lyrics,
        "COMMENT": tags.comment,
    }
    flac.update({key: [value] for key, value in values.items() if value})
    if cover:
        picture = Picture()
        picture.type = id3.PictureType.COVER_FRONT
        picture.mime, picture.data = cover.mime, cover.data
        picture.width, picture.height, picture.depth = cover.width, cover.height, 24
        flac.add_picture(picture)
    flac.save()


WRITERS = {"mp3": _tag_id3, "wav": _tag_wav, "m4a": _tag_m4a, "flac": _tag_flac}


def write_tags(path: Path, fmt: str, tags: Tags, cover: Cover | None) -> None:
    """Tag the file at `path` in place; mutagen moves the audio in chunks, never reads it whole."""
    WRITERS[fmt](path, tags, cover)


def album_tag(mp3: Path | IO[bytes], album: str, track: int, total: int) -> tuple[bytes, int]:
    """The MP3's ID3 tag as a track of an album (a project): this album name, track n/total.

    Returns the new tag's bytes and the size of the file's own tag: written before the file's
    audio (what follows that size), they make the album's copy without copying the file.
    """
    tagged = id3.ID3(mp3)
    utf8 = id3.Encoding.UTF8
    tagged.setall("TALB", [id3.TALB(encoding=utf8, text=album)])
    tagged.setall("TRCK", [id3.TRCK(encoding=utf8, text=f"{track}/{total}")])
    out = io.BytesIO()
    tagged.save(out, v2_version=3, padding=lambda info: 0)
    return out.getvalue(), tagged.size
