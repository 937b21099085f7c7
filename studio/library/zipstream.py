"""A zip archive written as a stream of chunks, never held whole in memory.

``zipfile`` can write to an output it cannot seek: it then puts sizes and CRCs in a data
descriptor after each member instead of going back to patch the local header. Our output only
collects what zipfile writes, and the generator hands it on after every chunk, so memory holds
one chunk at a time whatever the size of the files. A member's file may be on this disk or in
storage (an S3-compatible bucket included), read a chunk at a time either way.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from django.db.models.fields.files import FieldFile

from studio.filenames import safe_filename
from studio.storage_files import open_stored

CHUNK = 64 * 1024


class _Pipe:
    """Write-only, non-seekable: what zipfile writes waits here until the generator takes it."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        if data:
            self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


@dataclass(frozen=True)
class Member:
    """One file of the archive: a path on disk or a stored file (read in chunks), or small bytes.

    A file's member may start with other bytes: `head` in place of the file's first `skip`
    bytes (an MP3 with another tag: tagging.album_tag).
    """

    name: str
    path: Path | None = None
    data: bytes | None = None
    compress: bool = False
    head: bytes = b""
    skip: int = 0
    stored: FieldFile | None = None

    def open(self) -> IO[bytes] | None:
        if self.path is not None:
            return self.path.open("rb")
        if self.stored is not None:
            return open_stored(self.stored)
        return None


def _zipinfo(member: Member, size: int, date_time: datetime) -> zipfile.ZipInfo:
    # Callers pass clean names; this makes sure no member is one that unzip cannot extract.
    info = zipfile.ZipInfo(safe_filename(member.name), date_time=date_time.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if member.compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    # Known in advance, so zipfile chooses zip64 headers for members past 4 GiB.
    info.file_size = size
    return info


def stream_zip(members: Iterable[Member], date_time: datetime) -> Iterator[bytes]:
    """The archive's bytes, chunk by chunk; files are opened only when their turn comes."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, mode="w") as archive:
        for member in members:
            source = member.open()
            if source is not None:
                with source:
                    size = len(member.head) + source.seek(0, io.SEEK_END) - member.skip
                    source.seek(member.skip)
                    with archive.open(_zipinfo(member, size, date_time), mode="w") as out:
                        out.write(member.head)
                        while chunk := source.read(CHUNK):
                            out.write(chunk)
                            if data := pipe.take():
                                yield data
            else:
                payload = member.data or b""
                info = _zipinfo(member, len(payload), date_time)
                with archive.open(info, mode="w") as out:
                    out.write(payload)
            if data := pipe.take():
                yield data
    # Closing the archive wrote the central directory.
    if data := pipe.take():
        yield data
