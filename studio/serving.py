"""Serving stored media after the team check: Range (206), conditional requests, X-Accel.

Never reads a file whole: full answers go through FileResponse (sendfile where the server
offers it), ranges are streamed in chunks.
"""

from __future__ import annotations

import mimetypes
import os
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

from studio.filenames import safe_filename
from studio.ranges import UNSATISFIABLE, iter_file, parse_range

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
    nginx with X-Accel-Redirect when configured, else 206 for a Range (416 when unsatisfiable) or
    the whole file."""
    path, stat = _stat(stored)
    filename = safe_filename(filename)  # often made from a title: see studio/filenames.py
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    etag = f'"{stat.st_size:x}-{int(stat.st_mtime):x}"'
    headers = {
        "ETag": etag,
        "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition_header(attachment, filename),
        "Cache-Control": "private, max-age=3600",
    }
    if _not_modified(request, etag, stat.st_mtime):
        return HttpResponse(status=304, headers=headers)
    accel = settings.MEDIA_X_ACCEL_PREFIX
    if accel:
        return _accel_redirect(accel, path, content_type, headers)
    byte_range = _requested_range(request, etag, stat.st_size)
    if byte_range == UNSATISFIABLE:
        return HttpResponse(
            status=416, headers={"Content-Range": f"bytes */{stat.st_size}", **headers}
        )
    if isinstance(byte_range, tuple):
        return _partial(path, byte_range, stat.st_size, content_type, headers)
    del headers["Content-Disposition"]  # FileResponse writes its own from these arguments
    return FileResponse(
        open(path, "rb"),
        content_type=content_type,
        headers=headers,
        as_attachment=attachment,
        filename=filename,
    )


def _stat(stored: FieldFile) -> tuple[str, os.stat_result]:
    """The stored file's path and size/mtime, or 404 when it is not (or no longer) there."""
    if not stored.name:
        raise Http404("This file is not stored yet.")
    try:
        path = stored.path
        return path, os.stat(path)
    except (FileNotFoundError, NotImplementedError):
        raise Http404("This file is missing from storage.") from None


def _requested_range(request, etag: str, size: int) -> tuple[int, int] | str | None:
    """The Range asked for, ignored when If-Range names another version of the file."""
    if_range = request.headers.get("If-Range")
    if if_range and if_range != etag:
        return None
    return parse_range(request.headers.get("Range"), size)


def _accel_redirect(accel: str, path: str, content_type: str, headers: Headers) -> HttpResponse:
    """nginx serves the bytes (ranges included) from an internal location after our check."""
    relative = os.path.relpath(path, settings.MEDIA_ROOT)
    headers["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(relative)
    return HttpResponse(content_type=content_type, headers=headers)


def _partial(
    path: str, byte_range: tuple[int, int], size: int, content_type: str, headers: Headers
) -> StreamingHttpResponse:
    """A 206 answer streaming bytes ``start..end`` (inclusive) in chunks."""
    start, end = byte_range
    length = end - start + 1
    response = StreamingHttpResponse(
        iter_file(path, start, length), status=206, content_type=content_type, headers=headers
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    return response
