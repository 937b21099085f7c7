"""The media downloader: signed song links and generated images, fetched to a local file.

Every outbound fetch of media goes through `download()`, which enforces DESIGN §5.8:
- only http(s), and only an allowed origin (the configured upstream or the simulator) or public
  addresses, pinned against DNS rebinding (see `addresses`); redirects are followed here, at most
  MAX_REDIRECTS, each checked by the same rules;
- at most `Limits.max_bytes`: a larger Content-Length is refused before the body, a longer
  stream is cut;
- one `Limits.deadline` for the whole file, not per read (see `deadline`).
A file is streamed in chunks to a `*.part` file in the caller's directory and handed over only
when complete; on any failure it is deleted, and a worker killed mid-download leaves just that
`*.part` file for its owner to sweep. Every outcome is reported to `download_observers`.
Plain Python and httpx: no Django here.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from studio import stopping

from .addresses import NotAllowed as _NotAllowed
from .addresses import Origin, Resolver, destination, origins, system_resolve
from .deadline import deadline_transport, time_left, time_limit
from .http import USER_AGENT
from .observers import notify

MB = 1024 * 1024
MEDIA_TIMEOUT = 60.0
MEDIA_CONNECT_TIMEOUT = 10.0
MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# A signed link that answers these has expired (or never was ours): ask for a fresh one.
EXPIRED_STATUSES = frozenset({401, 403, 404, 410})

# Called after every download with (bytes written, seconds, "ok" or the exception's class name);
# Django apps register here, e.g. for metrics.
DownloadObserver = Callable[[int, float, str], None]
download_observers: list[DownloadObserver] = []


@dataclass(frozen=True)
class Limits:
    """How much one file may be: `max_bytes` in size, `deadline` seconds for all of it."""

    max_bytes: int
    deadline: float


LIMITS = {
    "wav": Limits(200 * MB, 180.0),
    "audio": Limits(100 * MB, 120.0),
    "image": Limits(20 * MB, 60.0),
}


class DownloadFailed(Exception):
    """No complete file came; `expired` means a fresh link may still work."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class DownloadRefused(DownloadFailed):
    """The link or one of its redirects leads somewhere we do not fetch from; `host` is where."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"refused a media link to {host or '(no host)'}: {reason}")
        self.host = host


class TooLarge(DownloadFailed):
    """The file is over `Limits.max_bytes`, declared or received."""

    def __init__(self, limits: Limits) -> None:
        super().__init__(f"the file is larger than the {limits.max_bytes / MB:g} MB allowed")


class Interrupted(DownloadFailed):
    """The worker is stopping: the file is not finished, nothing is wrong with it."""

    def __init__(self) -> None:
        super().__init__("the worker stopped during the download")


class TooSlow(DownloadFailed):
    """The file did not arrive within `Limits.deadline`."""

    def __init__(self, limits: Limits) -> None:
        super().__init__(f"the download took longer than the {limits.deadline:g} s allowed")


def media_client(timeout: float = MEDIA_TIMEOUT) -> httpx.Client:
    """The one client for media links: no token, no automatic redirects, deadline-bound waits.

    Direct connections only (no proxy from the environment): the address checks must be about
    the host we really connect to.
    """
    return httpx.Client(
        headers={"User-Agent": USER_AGENT},
        timeout=httpx.Timeout(timeout, connect=MEDIA_CONNECT_TIMEOUT),
        follow_redirects=False,
        transport=deadline_transport(),
    )


def download(
    http: httpx.Client,
    url: str,
    directory: Path,
    *,
    limits: Limits,
    allowed_origins: Collection[str] = (),
    resolve: Resolver | None = None,
) -> Path:
    """Stream `url` to a new `*.part` file in `directory`, within `limits`, or raise.

    `allowed_origins` are URLs (only their scheme, host and port count) fetched as they are,
    even on loopback; any other host must resolve (with `resolve`, default the system's) to
    public addresses only. Raises DownloadFailed or one of its kinds.
    """
    allowed = origins(allowed_origins)
    Path(directory).mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, suffix=".part")
    path = Path(name)
    started = time.monotonic()
    try:
        with os.fdopen(fd, "wb") as out, time_limit(limits.deadline):
            _fetch(http, url, out, limits, allowed, resolve or system_resolve)
    except BaseException as exc:
        _report(path, started, type(exc).__name__)
        path.unlink(missing_ok=True)
        raise
    _report(path, started, "ok")
    return path


def _report(path: Path, started: float, outcome: str) -> None:
    try:
        size = path.stat().st_size
    except OSError:  # never hide the download's own error behind this one
        size = 0
    notify(download_observers, size, time.monotonic() - started, outcome)


def _fetch(
    http: httpx.Client,
    url: str,
    out: IO[bytes],
    limits: Limits,
    allowed: Collection[Origin],
    resolve: Resolver,
) -> None:
    try:
        response = _follow(http, httpx.URL(url), limits, allowed, resolve)
        try:
            _save(response, out, limits)
        finally:
            response.close()
    except httpx.InvalidURL:  # fetching it again cannot mend it
        raise DownloadRefused("", "it is not a valid link") from None
    except httpx.HTTPError as exc:
        if stopping.requested():
            raise Interrupted() from None
        if time_left() <= 0:
            raise TooSlow(limits) from None
        raise DownloadFailed(f"download failed: {type(exc).__name__}") from None


def _follow(
    http: httpx.Client,
    url: httpx.URL,
    limits: Limits,
    allowed: Collection[Origin],
    resolve: Resolver,
) -> httpx.Response:
    """The first answer that is not a redirect, as an open stream the caller must close."""
    for _ in range(MAX_REDIRECTS + 1):
        response = _send(http, url, limits, allowed, resolve)
        location = response.headers.get("Location")
        if response.status_code not in REDIRECT_STATUSES or location is None:
            return response
        response.close()
        url = url.join(location)
    raise DownloadRefused(url.host, f"too many redirects (more than {MAX_REDIRECTS})")


def _send(
    http: httpx.Client,
    url: httpx.URL,
    limits: Limits,
    allowed: Collection[Origin],
    resolve: Resolver,
) -> httpx.Response:
    try:
        target = destination(url, allowed, resolve)
    except _NotAllowed as refused:
        raise DownloadRefused(refused.host, refused.reason) from None
    except OSError:
        raise DownloadFailed(f"could not look up {url.host}") from None
    request = http.build_request(
        "GET",
        target.url,
        headers=target.headers,
        extensions=target.extensions,
        timeout=_timeout(http.timeout, limits),
    )
    return http.send(request, stream=True, follow_redirects=False)


def _timeout(timeout: httpx.Timeout, limits: Limits) -> httpx.Timeout:
    """The client's timeouts, none longer than the time left (for any transport)."""
    left = time_left()
    if left <= 0:
        raise TooSlow(limits)

    def bounded(seconds: float | None) -> float:
        return left if seconds is None else min(seconds, left)

    return httpx.Timeout(
        connect=bounded(timeout.connect),
        read=bounded(timeout.read),
        write=bounded(timeout.write),
        pool=bounded(timeout.pool),
    )


def _save(response: httpx.Response, out: IO[bytes], limits: Limits) -> None:
    status = response.status_code
    if status != 200:
        raise DownloadFailed(f"media link answered {status}", expired=status in EXPIRED_STATUSES)
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise TooLarge(limits)
    written = 0
    # Each piece as it arrives (no re-chunking), so the checks run after every network read.
    for chunk in response.iter_bytes():
        written += len(chunk)
        # Both counts: the bytes that came (raw) and the bytes that would be kept (decoded).
        if max(written, response.num_bytes_downloaded) > limits.max_bytes:
            raise TooLarge(limits)
        out.write(chunk)
        if time_left() <= 0:
            raise TooSlow(limits)
    # The raw byte count: a compressed answer's Content-Length is its encoded size.
    if declared.isdigit() and response.num_bytes_downloaded != int(declared):
        raise DownloadFailed("download ended early")
