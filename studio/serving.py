"""Serving stored media after the team check: Range (206), conditional requests, X-Accel.

Never reads a file whole. From this disk, whole answers go through FileResponse (sendfile where
the server offers it) or nginx (X-Accel-Redirect), ranges are streamed in chunks.

From an S3-compatible bucket the bytes are streamed through this view too, not handed over as
a presigned redirect: every request (each Range a player seeks with included) keeps the team or
share-link check, a revoked share link stops at once instead of when a signed URL expires, the
bucket stays private, and the CSP's `media-src 'self'` needs no bucket host. A HEAD request
gives size and time (ETag, 304, 416); a range is one bounded ranged GET, relayed in chunks.
X-Accel does not apply: nginx has no path to hand over.
"""

from __future__ import annotations

import mimetypes
import os
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

from studio import storage_files
from studio.filenames import safe_filename
from studio.ranges import UNSATISFIABLE, parse_range

Headers = dict[str, str | None]


def _not_modified(request, etag: str, mtime: float) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match == "*"
    since = request.headers.get("If-Modified-Since")
    if since:
        try:
            return int(mtime) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def serve_file(
    request,
    stored: FieldFile,
    *,
    filename: str,
    attachment: bool = False,
    content_type: str | None = None,
) -> HttpResponseBase:
    """A stored file, once the caller has checked access: 304 when the browser has it, handed to
    nginx with X-Accel-Redirect when configured (files on this disk), else 206 for a Range (416
    when unsatisfiable) or the whole file."""
    name, found = _stat(stored)
    path = storage_files.local_path(stored.storage, name)
    filename = safe_filename(filename)  # often made from a title: see studio/filenames.py
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    etag = f'"{found.size:x}-{int(found.mtime):x}"'
    headers = {
        "ETag": etag,
        "Last-Modified": formatdate(found.mtime, usegmt=True),
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition_header(attachment, filename),
        "Cache-Control": "private, max-age=3600",
    }
    if _not_modified(request, etag, found.mtime):
        return HttpResponse(status=304, headers=headers)
    accel = settings.MEDIA_X_ACCEL_PREFIX
    if accel and path is not None:
        return _accel_redirect(accel, path, content_type, headers)
    byte_range = _requested_range(request, etag, found.size)
    if byte_range == UNSATISFIABLE:
        return HttpResponse(
            status=416, headers={"Content-Range": f"bytes */{found.size}", **headers}
        )
    if isinstance(byte_range, tuple):
        return _partial(stored, byte_range, found.size, content_type, headers)
    if path is None:
        return _streamed(stored, found.size, content_type, headers)
    del headers["Content-Disposition"]  # FileResponse writes its own from these arguments
    return FileResponse(
        path.open("rb"),
        content_type=content_type,
        headers=headers,
        as_attachment=attachment,
        filename=filename,
    )


def _stat(stored: FieldFile) -> tuple[str, storage_files.Stat]:
    """The stored file's name, size and mtime, or 404 when it is not (or no longer) there."""
    if not stored.name:
        raise Http404("This file is not stored yet.")
    try:
        return stored.name, storage_files.stat(stored)
    except FileNotFoundError:
        raise Http404("This file is missing from storage.") from None


def _requested_range(request, etag: str, size: int) -> tuple[int, int] | str | None:
    """The Range asked for, ignored when If-Range names another version of the file."""
    if_range = request.headers.get("If-Range")
    if if_range and if_range != etag:
        return None
    return parse_range(request.headers.get("Range"), size)


def _accel_redirect(accel: str, path: Path, content_type: str, headers: Headers) -> HttpResponse:
    """nginx serves the bytes (ranges included) from an internal location after our check."""
    relative = os.path.relpath(path, settings.MEDIA_ROOT)
    headers["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(relative)
    return HttpResponse(content_type=content_type, headers=headers)


def _partial(
    stored: FieldFile, byte_range: tuple[int, int], size: int, content_type: str, headers: Headers
) -> StreamingHttpResponse:
    """A 206 answer streaming bytes ``start..end`` (inclusive) in chunks."""
    start, end = byte_range
    length = end - start + 1
    chunks = storage_files.iter_range(stored, start, length)
    response = StreamingHttpResponse(chunks, status=206, content_type=content_type, headers=headers)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    return response


def _streamed(
    stored: FieldFile, size: int, content_type: str, headers: Headers
) -> StreamingHttpResponse:
    """The whole file from a storage with no local path (a bucket), relayed in chunks."""
    chunks = storage_files.iter_range(stored, 0, size)
    response = StreamingHttpResponse(chunks, content_type=content_type, headers=headers)
    response["Content-Length"] = str(size)
    return response
