"""HTTP byte ranges (RFC 9110 §14), shared by our media views and the simulator's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

CHUNK = 64 * 1024
UNSATISFIABLE = "unsatisfiable"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """``(start, end)`` inclusive, ``UNSATISFIABLE``, or None to send the whole file.

    A malformed or multi-range header is ignored, which RFC 9110 allows.
    """
    match = _RANGE.match((header or "").strip())
    if not match or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":  # suffix range: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return UNSATISFIABLE
        return max(0, size - length), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if start >= size or (last != "" and int(last) < start):
        return UNSATISFIABLE
    return start, end


def iter_file(path: str | Path, start: int, length: int) -> Iterator[bytes]:
    """Stream ``length`` bytes of ``path`` from ``start`` in small chunks."""
    with open(path, "rb") as handle:
        yield from iter_stream(handle, start, length)


def iter_stream(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    """Stream ``length`` bytes of an open, seekable file from ``start`` in small chunks."""
    handle.seek(start)
    while length > 0:
        chunk = handle.read(min(CHUNK, length))
        if not chunk:
            return
        length -= len(chunk)
        yield chunk
