"""Where the downloader may go: allowed origins, public addresses only, pinned, checked redirects.

A canary server on a loopback port that is not allowed stands for an internal service: every
test that aims at it also checks that it never received a request.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.upstream.download import (
    MB,
    DownloadRefused,
    Limits,
    download,
    media_client,
)
from tests.test_upstream_download import WAV, QuietHandler, leftovers, serving

LIMIT = Limits(max_bytes=10 * MB, deadline=10.0)


class CanaryHandler(QuietHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send(200, b"internal secret")


class HopHandler(QuietHandler):
    """/hop/N redirects N times before /song.wav; /to?url redirects to that URL."""

    paths: list[str] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        if self.path.startswith("/hop/"):
            left = int(self.path.rsplit("/", 1)[1])
            self.send(302, b"", {"Location": f"/hop/{left - 1}" if left > 1 else "/song.wav"})
        elif self.path.startswith("/to?"):
            self.send(302, b"", {"Location": self.path.split("?", 1)[1]})
        else:
            self.send(200, WAV)


@pytest.fixture(scope="module")
def canary() -> Iterator[str]:
    with serving(CanaryHandler) as origin:
        yield origin


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with serving(HopHandler) as origin:
        yield origin


@pytest.fixture(autouse=True)
def fresh_logs() -> None:
    CanaryHandler.hits.clear()
    HopHandler.paths.clear()


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "downloads"


def fetch(url: str, directory: Path, allowed: tuple[str, ...] = (), **options) -> Path:
    with media_client() as http:
        return download(http, url, directory, limits=LIMIT, allowed_origins=allowed, **options)


def refused(url: str, directory: Path, allowed: tuple[str, ...] = (), **options) -> str:
    with pytest.raises(DownloadRefused) as caught:
        fetch(url, directory, allowed, **options)
    assert not caught.value.expired
    assert leftovers(directory) == []
    return str(caught.value)


def test_a_loopback_port_that_is_not_allowed_is_refused_unasked(upstream, canary, directory):
    message = refused(f"{canary}/internal-secret", directory, (upstream,))
    assert message == "refused a media link to 127.0.0.1: not a public address"
    assert CanaryHandler.hits == []


@pytest.mark.parametrize("host", ["localhost", "2130706433", "0x7f.1", "[::ffff:127.0.0.1]"])
def test_other_spellings_of_loopback_are_refused(canary, directory, host):
    port = canary.rsplit(":", 1)[1]
    refused(f"http://{host}:{port}/internal-secret", directory)
    assert CanaryHandler.hits == []


def test_a_redirect_from_the_allowed_origin_to_an_internal_address_is_refused(
    upstream, canary, directory
):
    message = refused(f"{upstream}/to?{canary}/internal-secret", directory, (upstream,))
    assert message == "refused a media link to 127.0.0.1: not a public address"
    assert HopHandler.paths == [f"/to?{canary}/internal-secret"]
    assert CanaryHandler.hits == []


def test_three_redirects_are_followed(upstream, directory):
    path = fetch(f"{upstream}/hop/3", directory, (upstream,))
    assert path.read_bytes() == WAV
    assert HopHandler.paths == ["/hop/3", "/hop/2", "/hop/1", "/song.wav"]


def test_a_fourth_redirect_is_refused_without_following_it(upstream, directory):
    message = refused(f"{upstream}/hop/4", directory, (upstream,))
    assert message == "refused a media link to 127.0.0.1: too many redirects (more than 3)"
    assert HopHandler.paths == ["/hop/4", "/hop/3", "/hop/2", "/hop/1"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/song.wav", "to example.com: scheme ftp is not allowed"),
        ("file:///etc/passwd", "to (no host): scheme file is not allowed"),
        ("http:///song.wav", "to (no host): the link has no host"),
        # Not a link at all: refused for good, never retried as if the network had failed.
        ("\x1f", "to (no host): it is not a valid link"),
    ],
)
def test_only_http_and_https_links_are_fetched(directory, url, message):
    assert refused(url, directory) == f"refused a media link {message}"


def test_a_redirect_to_another_scheme_is_refused(upstream, directory):
    message = refused(f"{upstream}/to?file:///etc/passwd", directory, (upstream,))
    assert message.endswith("scheme file is not allowed")
