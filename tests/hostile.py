"""A hostile upstream for the pipeline tests: the simulator's hostile mode rewrites finished job
records, a media server on the configured rsflowhub origin (so the guard lets it through) serves
slow, huge, lying and redirecting files, and a canary on another loopback port must never be
asked for anything."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from studio.upstream import download

HOSTILE_MARK = "hostile take"
DRIP_PAUSE = 0.5
MB = 1024 * 1024
# The downloader's caps and deadline during these tests: small enough to hit quickly.
CAPS = {"wav": 20 * MB, "audio": 20 * MB, "image": 5 * MB}
DEADLINE = 2.0
MEDIA_PATHS = ["/drip", "/huge-chunked", "/huge-declared", "/not-audio", "/redirect/2"]
MEDIA_PATHS += ["/redirect/5", "/to-canary"]
# The links the `hostile` fixture yields, in its order: the media server's paths, then these.
INTERNAL_LINKS = ["canary", "canary-localhost", "canary-ipv6", "ftp", "file", "javascript"]
LINK_NAMES = MEDIA_PATHS + INTERNAL_LINKS


class _Media(BaseHTTPRequestHandler):
    """Every path is one misbehaviour; `/redirect/N` chains N redirects to /not-audio."""

    protocol_version = "HTTP/1.1"
    canary = ""  # set on the server class: the canary's base URL
    served = 0  # bytes written over all requests (for "nothing over the cap")
    drips = 0  # /drip requests seen
    # Set by a test to mend /drip: it then serves these bytes at once (by ?kind=).
    mended: dict[str, bytes] = {}

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        path = self.path.split("?", 1)[0]
        if path.startswith("/redirect/"):
            left = int(path.rsplit("/", 1)[1])
            self._redirect(f"/redirect/{left - 1}" if left > 1 else "/not-audio")
        elif path == "/to-canary":
            self._redirect(self.server.canary + "/secret")  # type: ignore[attr-defined]
        elif path == "/drip" and type(self).mended:
            body = type(self).mended[self.path.rsplit("kind=", 1)[-1]]
            self._headers(200, {"Content-Length": str(len(body))})
            self._write(body)
        elif path == "/drip":
            type(self).drips += 1
            self._drip()
        elif path == "/huge-chunked":
            self._chunked(64 * 1024, 400)  # 25 MB: over every test cap
        elif path == "/huge-declared":
            self._headers(200, {"Content-Length": str(50 * 1024**3)})
        else:  # /not-audio and anything else: text pretending to be media
            body = b"<html>not audio at all</html>"
            self._headers(200, {"Content-Length": str(len(body)), "Content-Type": "audio/wav"})
            self._write(body)

    def _headers(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _write(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()
        type(self).served += len(data)

    def _redirect(self, location: str) -> None:
        self._headers(302, {"Location": location, "Content-Length": "0"})

    def _drip(self) -> None:
        self._headers(200, {"Content-Length": "1000000"})
        try:
            for _ in range(1000):
                self._write(b"R")
                time.sleep(DRIP_PAUSE)
        except OSError:
            pass  # the client gave up, as it should

    def _chunked(self, size: int, count: int) -> None:
        self._headers(200, {"Transfer-Encoding": "chunked"})
        chunk = b"%x\r\n" % size + b"\0" * size + b"\r\n"
        try:
            for _ in range(count):
                self._write(chunk)
            self._write(b"0\r\n\r\n")
        except OSError:
            pass


class _Canary(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "6")
        self.end_headers()
        self.wfile.write(b"secret")


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def media_handler() -> type[_Media]:
    return _Media


def base_url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@contextmanager
def hostile_servers() -> Iterator[tuple[str, str, list[str]]]:
    """(media base URL, canary base URL, the canary's request log)."""
    _Canary.hits = []
    _Media.drips, _Media.mended = 0, {}
    with _serving(_Canary) as canary, _serving(_Media) as media:
        media.canary = base_url(canary)  # type: ignore[attr-defined]
        yield base_url(media), base_url(canary), _Canary.hits


@pytest.fixture
def hostile(simulator, monkeypatch, settings):
    with hostile_servers() as (media, canary, hits):
        # The media server stands where rsflowhub is configured: an allowed origin.
        settings.RSFLOWHUB_API_URL = media + "/api/v1"
        for kind, cap in CAPS.items():
            monkeypatch.setitem(download.LIMITS, kind, download.Limits(cap, DEADLINE))
        port = canary.rsplit(":", 1)[1]
        internal = [canary + "/direct", f"http://localhost:{port}/x", f"http://[::1]:{port}/x"]
        internal += ["ftp://127.0.0.1/x", "file:///etc/passwd", "javascript:alert(1)"]
        yield [media + path for path in MEDIA_PATHS] + internal, hits


def rewrite(where: str, field: str, value):
    def hostile_record(job, record: dict) -> dict:
        if HOSTILE_MARK not in job.request.get("prompt", "") or record["status"] != "completed":
            return record
        target = record["clips"][0] if where == "clip" and record.get("clips") else record
        target[field] = value
        return record

    return hostile_record
