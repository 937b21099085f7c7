"""The downloader's size and time limits, against real slow and oversized servers on 127.0.0.1."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.upstream.download import MB, Limits, TooLarge, TooSlow, download, media_client
from tests.test_upstream_download import QuietHandler, leftovers, serving

CAP = Limits(max_bytes=1 * MB, deadline=10.0)
HUGE = 50 * MB
DRIP_EVERY = 1.8  # within any per-read timeout; a per-read-only limit would end at 3.6 s
DEADLINE = 2.0


class HostileHandler(QuietHandler):
    """Answers that are too big or too slow; it counts the body bytes it managed to send."""

    body_sent = 0
    release = threading.Event()  # the oversized-declared answer holds its body until this
    done = threading.Event()

    def do_GET(self) -> None:
        type(self).body_sent = 0
        try:
            getattr(self, "_" + self.path.strip("/").replace("-", "_"))()
        except OSError:
            pass  # the client hung up, as it should
        finally:
            type(self).done.set()

    def _declared_huge(self) -> None:
        self._headers({"Content-Length": str(HUGE)})
        if self.release.wait(5):
            self._body(HUGE)

    def _chunked_huge(self) -> None:
        self._headers({"Transfer-Encoding": "chunked"})
        for _ in range(HUGE // (64 * 1024)):
            self.wfile.write(b"10000\r\n" + bytes(64 * 1024) + b"\r\n")
            type(self).body_sent += 64 * 1024
        self.wfile.write(b"0\r\n\r\n")

    def _gzip_bomb(self) -> None:
        body = gzip.compress(bytes(4 * MB))
        self.send(200, body, {"Content-Encoding": "gzip"})

    def _drip(self) -> None:
        self._headers({"Content-Length": "10"})
        for _ in range(10):
            time.sleep(DRIP_EVERY)
            self._body(1)

    def _silent(self) -> None:
        time.sleep(DEADLINE + 3)

    def _headers(self, headers: dict[str, str]) -> None:
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.flush()

    def _body(self, size: int) -> None:
        self.wfile.write(bytes(size))
        self.wfile.flush()
        type(self).body_sent += size


@pytest.fixture
def hostile() -> Iterator[str]:
    HostileHandler.release.clear()
    HostileHandler.done.clear()
    with serving(HostileHandler) as origin:
        yield origin
        HostileHandler.release.set()


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "downloads"


def fetch(origin: str, path: str, directory: Path, limits: Limits = CAP) -> Path:
    with media_client() as http:
        return download(http, origin + path, directory, limits=limits, allowed_origins=(origin,))


def test_a_declared_size_over_the_cap_is_refused_before_the_body(hostile, directory):
    started = time.monotonic()
    with pytest.raises(TooLarge) as caught:
        fetch(hostile, "/declared-huge", directory)
    # The server holds its body for 5 s: reading any of it would have waited for it.
    assert time.monotonic() - started < 1.0
    assert HostileHandler.body_sent == 0
    assert str(caught.value) == "the file is larger than the 1 MB allowed"
    assert not caught.value.expired
    assert leftovers(directory) == []


def test_a_chunked_body_is_cut_at_the_cap_and_nothing_is_kept(hostile, directory):
    with pytest.raises(TooLarge, match="1 MB"):
        fetch(hostile, "/chunked-huge", directory)
    assert leftovers(directory) == []
    assert HostileHandler.done.wait(5)
    assert HostileHandler.body_sent < HUGE // 2  # we hung up; it could not send it all


def test_a_small_compressed_body_that_unpacks_over_the_cap_is_cut(hostile, directory):
    with pytest.raises(TooLarge):
        fetch(hostile, "/gzip-bomb", directory)
    assert leftovers(directory) == []


def test_a_body_within_the_cap_but_dripping_is_cut_at_the_deadline(hostile, directory):
    # Each byte comes well within any per-read timeout; only a whole-file deadline stops it.
    started = time.monotonic()
    with pytest.raises(TooSlow) as caught:
        fetch(hostile, "/drip", directory, Limits(max_bytes=MB, deadline=DEADLINE))
    elapsed = time.monotonic() - started
    assert DEADLINE - 0.1 < elapsed < DEADLINE + 1.0
    assert str(caught.value) == "the download took longer than the 2 s allowed"
    assert not caught.value.expired
    assert leftovers(directory) == []


def test_a_server_that_never_answers_is_cut_at_the_deadline(hostile, directory):
    started = time.monotonic()
    with pytest.raises(TooSlow):
        fetch(hostile, "/silent", directory, Limits(max_bytes=MB, deadline=DEADLINE))
    assert time.monotonic() - started < DEADLINE + 1.0
    assert leftovers(directory) == []
