"""The media downloader against a real HTTP server on 127.0.0.1 (no simulator, no Django).

Addresses, redirects and pinning: test_upstream_download_addresses.py; size and time limits:
test_upstream_download_limits.py. Both reuse `serving()` and `leftovers()` from here.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from studio.ops.bench.common import spare_port
from studio.upstream.download import (
    LIMITS,
    MB,
    DownloadFailed,
    Limits,
    download,
    media_client,
)
from studio.upstream.http import USER_AGENT
from tests.upstream_samples import wav_bytes

WAV = wav_bytes()
LIMIT = Limits(max_bytes=10 * MB, deadline=10.0)


class QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Length": str(len(body)), **(headers or {})}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet


class MediaHandler(QuietHandler):
    """A media host: /song.wav, a truncated body, a redirect, and the error answers."""

    user_agents: list[str] = []

    def do_GET(self) -> None:
        self.user_agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/song.wav":
            self.send(200, WAV)
        elif self.path == "/song.wav.gz":
            self.send(200, gzip.compress(WAV), {"Content-Encoding": "gzip"})
        elif self.path == "/truncated.wav":
            # Promise the whole file, send half of it, then hang up.
            self.send(200, WAV[: len(WAV) // 2], {"Content-Length": str(len(WAV))})
            self.close_connection = True
        elif self.path == "/moved":
            self.send(302, b"", {"Location": "/song.wav"})
        elif self.path.startswith("/status/"):
            self.send(int(self.path.rsplit("/", 1)[1]), b"no")
        else:
            self.send(404, b"not here")


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on a free port of 127.0.0.1; yields its origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def leftovers(directory: Path) -> list[Path]:
    return list(directory.glob("*")) if directory.exists() else []


@pytest.fixture(scope="module")
def media_host() -> Iterator[str]:
    with serving(MediaHandler) as origin:
        yield origin


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "downloads"


def fetch(http: httpx.Client, url: str, directory: Path, host: str) -> Path:
    return download(http, url, directory, limits=LIMIT, allowed_origins=(host,))


def test_it_streams_the_file_into_a_part_file_in_the_directory(media_host, directory):
    MediaHandler.user_agents.clear()
    with media_client() as http:
        path = fetch(http, f"{media_host}/song.wav", directory, media_host)
    assert path.parent == directory and path.suffix == ".part"
    assert path.read_bytes() == WAV
    assert MediaHandler.user_agents == [USER_AGENT]


def test_an_allowed_origin_is_compared_by_scheme_host_and_port_only(media_host, directory):
    with media_client() as http:
        path = fetch(http, f"{media_host}/song.wav", directory, f"{media_host}/simulator/v1/")
    assert path.read_bytes() == WAV


def test_it_follows_redirects_and_accepts_a_compressed_answer(media_host, directory):
    with media_client() as http:
        moved = fetch(http, f"{media_host}/moved", directory, media_host)
        compressed = fetch(http, f"{media_host}/song.wav.gz", directory, media_host)
    assert moved.read_bytes() == WAV == compressed.read_bytes()


def test_a_body_shorter_than_content_length_fails_and_leaves_nothing(media_host, directory):
    with media_client() as http, pytest.raises(DownloadFailed) as caught:
        fetch(http, f"{media_host}/truncated.wav", directory, media_host)
    assert str(caught.value) == "download failed: RemoteProtocolError"
    assert not caught.value.expired
    assert leftovers(directory) == []


def test_our_own_size_check_catches_what_the_transport_lets_through(directory):
    # A transport that does not enforce Content-Length (here a mock) still cannot fool us.
    def short(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": "999"}, content=b"abc")

    http = httpx.Client(transport=httpx.MockTransport(short))
    with http, pytest.raises(DownloadFailed, match="download ended early") as caught:
        fetch(http, "http://media.test/song.wav", directory, "http://media.test")
    assert not caught.value.expired
    assert leftovers(directory) == []


@pytest.mark.parametrize("status", [401, 403, 404, 410])
def test_a_dead_link_is_expired(media_host, directory, status):
    with media_client() as http, pytest.raises(DownloadFailed) as caught:
        fetch(http, f"{media_host}/status/{status}", directory, media_host)
    assert caught.value.expired and str(caught.value) == f"media link answered {status}"
    assert leftovers(directory) == []


@pytest.mark.parametrize("status", [201, 400, 500, 503])
def test_another_answer_fails_without_expiring(media_host, directory, status):
    with media_client() as http, pytest.raises(DownloadFailed) as caught:
        fetch(http, f"{media_host}/status/{status}", directory, media_host)
    assert not caught.value.expired
    assert leftovers(directory) == []


def test_nothing_listening_fails_without_expiring(directory):
    origin = f"http://127.0.0.1:{spare_port()}"
    with media_client(timeout=2.0) as http, pytest.raises(DownloadFailed) as caught:
        fetch(http, f"{origin}/song.wav", directory, origin)
    assert str(caught.value) == "download failed: ConnectError" and not caught.value.expired
    assert leftovers(directory) == []


def test_media_client_settings():
    with media_client(timeout=5.0) as http:
        assert http.headers["User-Agent"] == USER_AGENT
        assert http.timeout.read == 5.0 and http.timeout.connect == 10.0
        # The downloader follows redirects itself, checking each one.
        assert not http.follow_redirects
        assert "Authorization" not in http.headers


def test_the_limits_per_kind_of_file():
    assert LIMITS == {
        "wav": Limits(200 * MB, 180.0),
        "audio": Limits(100 * MB, 120.0),
        "image": Limits(20 * MB, 60.0),
    }
