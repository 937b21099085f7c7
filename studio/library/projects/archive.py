"""A project as one zip: its takes in order as tagged MP3s ("01 - Title (A).mp3"), and a cover.

Each take's MP3 is the export the library serves (exports.py: made once, kept under exports/);
in the zip it carries another ID3 tag, album = the project's name and track n/total, streamed
in place of the export's own tag so the audio is never copied or encoded again. The archive
streams (zipstream.py), a take's MP3 made only when its turn comes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import PurePosixPath

from django.http import Http404, HttpRequest, StreamingHttpResponse
from mutagen import MutagenError

from studio.filenames import safe_filename
from studio.library.downloads import attachment, clip_name
from studio.library.exports import ExportError, clip_export
from studio.library.projects.lookups import items_with_clips, project_for_user
from studio.library.tagging import album_tag, cover_file
from studio.library.zipstream import Member, stream_zip
from studio.storage_files import open_stored
from studio.together.models import Project, ProjectItem

logger = logging.getLogger(__name__)


def track_name(number: int, total: int, item: ProjectItem) -> str:
    """ "01 - Morning Sun (A).mp3": numbered so any file list shows the project's order."""
    width = max(2, len(str(total)))
    return safe_filename(f"{number:0{width}d} - {clip_name(item.clip)}.mp3", f"{number:02d}")


def _track(project: Project, item: ProjectItem, number: int, total: int) -> Member | None:
    clip = item.clip
    try:
        mp3 = clip_export(clip, "mp3")
        with open_stored(mp3) as handle:  # on disk or in the bucket: mutagen reads the tag only
            head, skip = album_tag(handle, project.name, number, total)
    except (ExportError, MutagenError, OSError) as error:
        logger.warning("project %s: take %s left out of the zip (%s)", project.pk, clip.pk, error)
        return None
    return Member(track_name(number, total, item), stored=mp3, head=head, skip=skip)


def project_members(project: Project, items: list[ProjectItem]) -> Iterator[Member]:
    """The tracks in order (a take that cannot be exported is left out), then the cover: the
    first take's song cover, else its artwork."""
    total = len(items)
    for number, item in enumerate(items, start=1):
        if member := _track(project, item, number, total):
            yield member
    covers = (cover_file(item.clip) for item in items)
    cover = next((c for c in covers if c and c.name and c.storage.exists(c.name)), None)
    if cover is not None:
        suffix = PurePosixPath(cover.name or "").suffix.lower()
        yield Member("cover" + (suffix or ".jpg"), stored=cover)


def project_zip(request: HttpRequest, pk: int):
    project = project_for_user(request.user, pk)
    items = items_with_clips(project, media=True)
    if not items:
        raise Http404("This project has no takes yet.")
    response = StreamingHttpResponse(
        stream_zip(project_members(project, items), project.updated),
        content_type="application/zip",
    )
    response["Content-Disposition"] = attachment(safe_filename(f"{project.name}.zip", "Project"))
    response["Cache-Control"] = "private, no-store"
    return response
