"""Where a media link may lead: an allowed origin as it is, any other host only at public addresses.

Media links come from upstream answers, so a hostile or broken answer could point at 127.0.0.1,
the cloud metadata service or a private network (SSRF). `destination()` decides for one URL.
For a host that is not an allowed origin it resolves the name once, requires every address to be
public, and pins the request to the checked address: the request goes to that IP with the name
kept in the Host header and, for https, in `sni_hostname` (so SNI and certificate verification
still use the name). A second DNS answer cannot send it elsewhere (no DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import httpx

# resolve(host, port) -> the host's addresses as IP strings.
Resolver = Callable[[str, int], list[str]]
# (scheme, host, port), default ports filled in.
Origin = tuple[str, str, int]
DEFAULT_PORTS = {"http": 80, "https": 443}
# These carry an IPv4 address that a gateway would reach on our behalf.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class NotAllowed(Exception):
    """A URL the downloader must not fetch; `reason` says why in a few words."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host}: {reason}")
        self.host = host
        self.reason = reason


@dataclass(frozen=True)
class Destination:
    """Where one request really goes, and the headers and extensions that keep the name."""

    url: httpx.URL
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, str] = field(default_factory=dict)


def origin(url: httpx.URL) -> Origin:
    return (url.scheme, url.host, url.port or DEFAULT_PORTS.get(url.scheme, 0))


def origins(urls: Collection[str]) -> frozenset[Origin]:
    """The origins of `urls` (e.g. an upstream's base URL); their paths do not matter."""
    return frozenset(origin(httpx.URL(url)) for url in urls)


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (raises OSError when there is none)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public(address: str) -> bool:
    """Whether `address` is a globally reachable unicast address (not ours, not a private net)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public(str(embedded)):
            return False
    # is_global alone lets multicast and some reserved ranges through.
    special = ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_link_local
    return ip.is_global and not (special or ip.is_loopback or ip.is_private)


def destination(url: httpx.URL, allowed: Collection[Origin], resolve: Resolver) -> Destination:
    """Where to send a GET for `url`, or NotAllowed; OSError when its name does not resolve."""
    host = url.raw_host.decode("ascii")
    if url.scheme not in DEFAULT_PORTS:
        raise NotAllowed(host, f"scheme {url.scheme or '(none)'} is not allowed")
    if not host:
        raise NotAllowed(host, "the link has no host")
    if origin(url) in allowed:
        return Destination(url)
    address = _public_address(host, origin(url)[2], resolve)
    headers = {"Host": url.netloc.decode("ascii")}
    extensions = {}
    if url.scheme == "https":
        extensions["sni_hostname"] = host
        # A pooled connection is keyed by IP: never reuse one verified for another name.
        headers["Connection"] = "close"
    return Destination(url.copy_with(host=address), headers, extensions)


def _public_address(host: str, port: int, resolve: Resolver) -> str:
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = resolve(host, port)
    if not addresses:
        raise OSError(f"no address for {host}")
    if not all(is_public(address) for address in addresses):
        raise NotAllowed(host, "not a public address")
    return addresses[0]
