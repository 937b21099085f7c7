"""A zip archive written as a stream of chunks, never held whole in memory.

``zipfile`` can write to an output it cannot seek: it then puts sizes and CRCs in a data
descriptor after each member instead of going back to patch the local header. Our output only
collects what zipfile writes, and the generator hands it on after every chunk, so memory holds
one chunk at a time whatever the size of the files.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from studio.filenames import safe_filename

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
    """One file of the archive: either a path on disk (read in chunks) or small bytes.

    A path's member may start with other bytes: `head` in place of the file's first `skip`
    bytes (an MP3 with another tag: tagging.album_tag).
    """

    name: str
    path: Path | None = None
    data: bytes | None = None
    compress: bool = False
    head: bytes = b""
    skip: int = 0


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
            if member.path is not None:
                size = len(member.head) + member.path.stat().st_size - member.skip
                info = _zipinfo(member, size, date_time)
                with archive.open(info, mode="w") as out, member.path.open("rb") as source:
                    out.write(member.head)
                    source.seek(member.skip)
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
