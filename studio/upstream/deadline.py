"""One clock for a whole download: every connect, TLS handshake, read and write waits at most
the time left, so a server dripping a byte at a time cannot stretch a per-read timeout forever.

`time_limit()` sets the deadline for the current thread (a context variable), and the network
backend of `deadline_transport()` bounds each socket wait by it. Outside a `time_limit()` block
the transport behaves like httpx's own.
"""

from __future__ import annotations

import math
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

from studio import stopping

_deadline: ContextVar[float] = ContextVar("download_deadline", default=math.inf)
# A read waits at most this long at a time, so a stop request (the worker is shutting down)
# ends a download within about this time even while the server sends nothing.
STOP_CHECK = 0.5


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Within this block, the network waits of `deadline_transport()` end `seconds` from now."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def time_left() -> float:
    """Seconds until the current deadline (negative once passed, infinite when there is none)."""
    return _deadline.get() - time.monotonic()


def _bounded(timeout: float | None, timed_out: type[Exception]) -> float | None:
    left = time_left()
    if left <= 0:
        raise timed_out("the download deadline passed")
    if left == math.inf:
        return timeout
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        until = math.inf if timeout is None else time.monotonic() + timeout
        while True:
            if stopping.requested():
                raise httpcore.ReadError("the worker is stopping")
            wait = _bounded(min(until - time.monotonic(), STOP_CHECK), httpcore.ReadTimeout)
            try:
                return self._stream.read(max_bytes, wait)
            except httpcore.ReadTimeout:
                # A socket that timed out waiting is still whole: wait again unless the
                # read's own timeout or the deadline has run out.
                if time.monotonic() >= until:
                    raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.SyncBackend):
    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            super().connect_tcp(host, port, bounded, local_address, socket_options)
        )


def deadline_transport() -> httpx.HTTPTransport:
    """httpx's transport (direct connections, verified TLS) on the deadline-bound backend."""
    transport = httpx.HTTPTransport()
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    # httpx offers no public hook for a network backend: its pool is the one private part we
    # replace (httpx is pinned below 0.29, and the drip test fails if this stops working).
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=_DeadlineBackend(),
    )
    return transport
