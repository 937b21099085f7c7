"""A shared take's MP3: encoded like the team's export, but tagged with the song alone.

The team's exports carry the author's username (artist), the team's name (album) and the prompt
(comment): none of that may leave through a share link. So a shared MP3 is its own export,
kept beside the team's in ``exports/<clip pk>/shared/`` (which their stale-file clean-up, run on
the folder above, never touches), made once and re-used like theirs.
"""

from __future__ import annotations

from dataclasses import replace

from django.db.models.fields.files import FieldFile

from studio.library import exports
from studio.library.tagging import Tags, tags_for
from studio.songs.models import Clip

PUBLIC_FOLDER = "shared"


def public_tags(clip: Clip) -> Tags:
    """The take's tags without who made it, for which team, or from what prompt."""
    return replace(tags_for(clip), artist="", album="", comment="")


def public_export(clip: Clip, fmt: str) -> FieldFile:
    """The take's export in `fmt` with public_tags, made first if it is not stored.

    ExportError when the take's audio is missing or unreadable.
    """
    return exports.clip_export(clip, fmt, tags=public_tags(clip), folder=PUBLIC_FOLDER)
