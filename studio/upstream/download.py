"""The media downloader: signed song links and generated images, fetched to a local file.

A file is streamed in chunks to a `*.part` file in the caller's directory and handed over only
when complete; a worker killed mid-download leaves just that `*.part` file for its owner to sweep.
Plain Python and httpx: no Django here, so the caller chooses the directory.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import httpx

from .http import USER_AGENT

CHUNK = 256 * 1024
MEDIA_TIMEOUT = 60.0
MEDIA_CONNECT_TIMEOUT = 10.0
# A signed link that answers these has expired (or never was ours): ask for a fresh one.
EXPIRED_STATUSES = frozenset({401, 403, 404, 410})


class DownloadFailed(Exception):
    """No complete file came; `expired` means a fresh link may still work."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def media_client(timeout: float = MEDIA_TIMEOUT) -> httpx.Client:
    """The one client for media links: they need no token and may redirect to another host."""
    return httpx.Client(
        headers={"User-Agent": USER_AGENT},
        timeout=httpx.Timeout(timeout, connect=MEDIA_CONNECT_TIMEOUT),
        follow_redirects=True,
    )


def download(http: httpx.Client, url: str, directory: Path) -> Path:
    """Stream `url` to a new `*.part` file in `directory`; its size must match Content-Length."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, suffix=".part")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, http.stream("GET", url) as response:
            status = response.status_code
            if status != 200:
                raise DownloadFailed(
                    f"media link answered {status}", expired=status in EXPIRED_STATUSES
                )
            for chunk in response.iter_bytes(CHUNK):
                out.write(chunk)
            expected = response.headers.get("Content-Length", "")
            # The raw byte count: a compressed answer's Content-Length is its encoded size.
            received = response.num_bytes_downloaded
        if expected.isdigit() and received != int(expected):
            raise DownloadFailed("download ended early")
    except httpx.HTTPError as exc:
        path.unlink(missing_ok=True)
        raise DownloadFailed(f"download failed: {type(exc).__name__}") from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
