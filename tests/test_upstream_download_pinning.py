"""Names that are not an allowed origin: every address checked, and the request pinned to one.

The network is off in tests, so an injected resolver stands in for DNS and an httpx
MockTransport records where each request really went.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from studio.upstream.download import (
    MB,
    DownloadFailed,
    DownloadRefused,
    Limits,
    download,
)
from tests.test_upstream_download import leftovers

LIMIT = Limits(max_bytes=10 * MB, deadline=10.0)
PUBLIC_IP = "93.184.216.34"
INTERNAL = [
    "127.0.0.1",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # the cloud metadata service
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
]


def media(request: httpx.Request) -> httpx.Response:
    """A file answer streamed like a real one (a `content=` answer counts no downloaded bytes)."""
    return httpx.Response(200, headers={"Content-Length": "5"}, stream=httpx.ByteStream(b"media"))


class Recorder:
    """A resolver and a transport that both write down what they were asked."""

    def __init__(self, answers: dict[str, list[list[str]]], respond: Callable | None = None):
        self.answers = answers  # per name, one list of addresses per lookup
        self.lookups: list[tuple[str, int]] = []
        self.requests: list[httpx.Request] = []
        self.respond = respond or media

    def resolve(self, host: str, port: int) -> list[str]:
        self.lookups.append((host, port))
        return self.answers[host].pop(0)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.respond(request)

    def fetch(self, url: str, directory: Path, allowed: tuple[str, ...] = ()) -> Path:
        http = httpx.Client(transport=httpx.MockTransport(self.handle))
        with http:
            return download(
                http, url, directory, limits=LIMIT, allowed_origins=allowed, resolve=self.resolve
            )


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "downloads"


def test_an_https_link_is_pinned_to_the_checked_address(directory):
    recorder = Recorder({"media.example": [[PUBLIC_IP]]})
    path = recorder.fetch("https://media.example/song.wav?sig=abc", directory)
    assert path.read_bytes() == b"media"
    assert recorder.lookups == [("media.example", 443)]
    [request] = recorder.requests
    assert request.url == f"https://{PUBLIC_IP}/song.wav?sig=abc"
    assert request.headers["Host"] == "media.example"
    # SNI and certificate verification use the name, not the IP.
    assert request.extensions["sni_hostname"] == "media.example"
    # A connection verified for this name is not pooled for another name on the same IP.
    assert request.headers["Connection"] == "close"


def test_an_http_link_keeps_its_port_in_the_host_header(directory):
    recorder = Recorder({"media.example": [["2606:2800:220:1::1"]]})
    recorder.fetch("http://media.example:8080/song.wav", directory)
    assert recorder.lookups == [("media.example", 8080)]
    [request] = recorder.requests
    assert request.url == "http://[2606:2800:220:1::1]:8080/song.wav"
    assert request.headers["Host"] == "media.example:8080"
    assert "sni_hostname" not in request.extensions


@pytest.mark.parametrize("address", INTERNAL)
def test_a_name_resolving_to_an_internal_address_is_refused(directory, address):
    recorder = Recorder({"media.example": [[address]]})
    with pytest.raises(DownloadRefused) as caught:
        recorder.fetch("https://media.example/song.wav", directory)
    assert caught.value.host == "media.example"
    assert str(caught.value) == "refused a media link to media.example: not a public address"
    assert recorder.requests == []
    assert leftovers(directory) == []


@pytest.mark.parametrize("address", INTERNAL)
def test_an_internal_ip_in_the_link_itself_is_refused(directory, address):
    recorder = Recorder({})
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(DownloadRefused, match="not a public address"):
        recorder.fetch(f"http://{host}/latest/meta-data", directory)
    assert recorder.lookups == [] and recorder.requests == []


def test_every_address_of_a_name_must_be_public(directory):
    recorder = Recorder({"media.example": [[PUBLIC_IP, "10.0.0.7"]]})
    with pytest.raises(DownloadRefused):
        recorder.fetch("https://media.example/song.wav", directory)
    assert recorder.requests == []


def test_each_redirect_is_resolved_and_checked_again(directory):
    # The second answer for the same name is internal (DNS rebinding): the hop is refused.
    def moved(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "/again"})

    recorder = Recorder({"media.example": [[PUBLIC_IP], ["127.0.0.1"]]}, moved)
    with pytest.raises(DownloadRefused, match="media.example: not a public address"):
        recorder.fetch("https://media.example/song.wav", directory)
    assert [str(request.url) for request in recorder.requests] == [f"https://{PUBLIC_IP}/song.wav"]
    assert recorder.lookups == [("media.example", 443)] * 2


def test_a_redirect_to_another_name_is_pinned_too(directory):
    def moved_once(request: httpx.Request) -> httpx.Response:
        if request.headers["Host"] == "media.example":
            return httpx.Response(302, headers={"Location": "https://cdn.example/x"})
        return media(request)

    answers = {"media.example": [[PUBLIC_IP]], "cdn.example": [["1.1.1.1", "8.8.8.8"]]}
    recorder = Recorder(answers, moved_once)
    recorder.fetch("https://media.example/song.wav", directory)
    final = recorder.requests[-1]
    assert final.url == "https://1.1.1.1/x"
    assert final.headers["Host"] == final.extensions["sni_hostname"] == "cdn.example"


def test_a_redirect_to_a_documentation_range_is_refused(directory):
    def moved(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://198.51.100.7/x"})

    recorder = Recorder({"media.example": [[PUBLIC_IP]]}, moved)
    with pytest.raises(DownloadRefused) as caught:
        recorder.fetch("https://media.example/song.wav", directory)
    assert caught.value.host == "198.51.100.7" and len(recorder.requests) == 1


def test_an_allowed_origin_is_neither_resolved_nor_pinned(directory):
    recorder = Recorder({})
    recorder.fetch("http://upstream.test:80/media/1.wav", directory, ("http://upstream.test/v1",))
    [request] = recorder.requests
    assert request.url == "http://upstream.test/media/1.wav" and recorder.lookups == []


def test_the_same_host_on_another_scheme_is_not_the_allowed_origin(directory):
    recorder = Recorder({"upstream.test": [["10.1.2.3"]]})
    with pytest.raises(DownloadRefused):
        recorder.fetch("https://upstream.test/media/1.wav", directory, ("http://upstream.test",))
    assert recorder.lookups == [("upstream.test", 443)]


def test_a_name_that_does_not_resolve_fails_without_being_refused(directory):
    def unknown(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    with http, pytest.raises(DownloadFailed) as caught:
        download(http, "https://nowhere.example/a", directory, limits=LIMIT, resolve=unknown)
    assert type(caught.value) is DownloadFailed
    assert str(caught.value) == "could not look up nowhere.example"
    assert leftovers(directory) == []
