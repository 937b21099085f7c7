"""Typed errors for the upstream APIs, and the one place httpx failures become them.

Every error says whether it is PERMANENT (do not retry), TRANSIENT (nothing was accepted; retry
later) or AMBIGUOUS (the request may have been accepted: never resubmit blindly), and carries a
`message` a user can act on. Both the Flow Music and the rsflowhub client send through
`call_upstream()`, so the mapping below is the only one.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self, TypeVar

import httpx

logger = logging.getLogger("studio.upstream")

PERMANENT = "permanent"
TRANSIENT = "transient"
AMBIGUOUS = "ambiguous"

IMAGE_DECLINED_MESSAGE = "The image model declined this prompt; try different words"

T = TypeVar("T")


class UpstreamError(Exception):
    """A failed upstream call; `kind` tells the caller whether retrying is safe."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        detail: str = "",
        kind: str = PERMANENT,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail
        self.kind = kind
        self.retry_after = retry_after

    @property
    def is_permanent(self) -> bool:
        return self.kind == PERMANENT

    @property
    def is_transient(self) -> bool:
        return self.kind == TRANSIENT

    @property
    def is_ambiguous(self) -> bool:
        return self.kind == AMBIGUOUS

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, kind={self.kind!r}, "
            f"message={self.message!r}, detail={self.detail!r})"
        )


class BadRequest(UpstreamError):
    """400: validation failed, or no upstream account is configured."""


class Unauthorized(UpstreamError):
    """401: our token is wrong; only an admin can fix it."""


class InsufficientCredits(UpstreamError):
    """402: the account has no credits left."""


class Forbidden(UpstreamError):
    """403: the item belongs to another token or account."""


class NotFound(UpstreamError):
    """404: unknown or expired item."""


class PayloadTooLarge(UpstreamError):
    """413: the uploaded file is over the size limit."""


class Moderated(UpstreamError):
    """422: the model refused the prompt."""


class RateLimited(UpstreamError):
    """429: every account is busy; nothing was accepted, so it is safe to retry later."""


class ImageDeclined(UpstreamError):
    """500 from POST /files/generate: the upstream's (unexplained) way of declining a prompt."""


class AccountError(UpstreamError):
    """596: the upstream account is in an error state and must be re-added there."""


class ServerError(UpstreamError):
    """Another 5xx, or a success answer we could not read."""


class UpstreamTimeout(UpstreamError):
    """No answer in time."""


class ConnectionFailed(UpstreamError):
    """The connection could not be made, or dropped before an answer came."""


@dataclass(frozen=True)
class Service:
    """Which upstream a call went to, for messages a user or admin can act on."""

    name: str
    token_setting: str


FLOWMUSIC = Service("Flow Music", "FLOWMUSIC_API_TOKEN")
RSFLOWHUB = Service("rsflowhub", "RSFLOWHUB_API_KEY")


def call_upstream(
    client: httpx.Client,
    request: httpx.Request,
    *,
    service: Service,
    idempotent: bool,
    secret: str,
) -> httpx.Response:
    """Send `request` and return a 2xx response, or raise the matching UpstreamError.

    `idempotent` is False for calls that create something upstream: then a failure after the
    request left us is AMBIGUOUS instead of TRANSIENT. `secret` is scrubbed from every detail.
    """
    started = time.monotonic()
    label = f"{service.name} {request.method} {request.url.path}"
    try:
        response = client.send(request)
    except httpx.HTTPError as exc:
        error = error_for_exception(exc, service=service, idempotent=idempotent, secret=secret)
        logger.warning("%s failed: %s (%s)", label, error.detail, error.kind)
        # `from None`: some httpx messages quote header values, which may include the token.
        raise error from None
    elapsed = time.monotonic() - started
    if response.is_success:
        logger.info("%s -> %s in %.2fs", label, response.status_code, elapsed)
        return response
    error = error_for_response(response, service=service, idempotent=idempotent, secret=secret)
    logger.warning("%s -> %s: %s (%s)", label, response.status_code, error.detail, error.kind)
    raise error


def parse_body(
    response: httpx.Response,
    parse: Callable[[Any], T],
    *,
    service: Service,
    idempotent: bool,
) -> T:
    """Parse a 2xx JSON body; an unreadable one is a ServerError (ambiguous for a create call)."""
    try:
        return parse(response.json())
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        kind = TRANSIENT if idempotent else AMBIGUOUS
        message = f"{service.name} sent an answer we could not read" + (
            "; the request may still have been accepted, so check before resubmitting."
            if kind == AMBIGUOUS
            else "; try again shortly."
        )
        raise ServerError(
            message, status=response.status_code, detail=type(exc).__name__, kind=kind
        ) from None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, "[redacted]") if secret else text


def _detail(response: httpx.Response) -> str:
    """The upstream's own error text: `{"error": ..., "code": N}`, else the raw body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    text: object = None
    if isinstance(body, dict):
        text = body.get("error")
        if isinstance(text, dict):
            text = text.get("message")
        if not isinstance(text, str):
            text = body.get("message")
    if not isinstance(text, str) or not text.strip():
        text = response.text.strip() or response.reason_phrase
    return str(text)[:500]


_ACCOUNT_ERROR = re.compile(r"Account (?P<email>.+?) in error state: (?P<reason>.+)", re.DOTALL)


def error_for_response(
    response: httpx.Response, *, service: Service, idempotent: bool, secret: str
) -> UpstreamError:
    status = response.status_code
    detail = _scrub(_detail(response), secret)
    name = service.name
    if status == 400:
        return BadRequest(f"{name} rejected the request: {detail}", status=status, detail=detail)
    if status == 401:
        message = f"{name} rejected our API token: an admin must fix {service.token_setting}."
        return Unauthorized(message, status=status, detail=detail)
    if status == 402:
        message = (
            f"The {name} account has no credits left: top up its credits or choose another account."
        )
        return InsufficientCredits(message, status=status, detail=detail)
    if status == 403:
        message = f"{name} refused access: this item belongs to another account or API token."
        return Forbidden(message, status=status, detail=detail)
    if status == 404:
        message = f"{name} does not know this item: it does not exist or has expired."
        return NotFound(message, status=status, detail=detail)
    if status == 413:
        message = f"The file is too large for {name}: images up to 20 MB, audio up to 40 MB."
        return PayloadTooLarge(message, status=status, detail=detail)
    if status == 422:
        message = "The model declined this prompt; try different words."
        return Moderated(message, status=status, detail=detail)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        message = f"{name} is busy (too many generations at once); try again shortly."
        return RateLimited(
            message, status=status, detail=detail, kind=TRANSIENT, retry_after=retry_after
        )
    if status == 596:
        match = _ACCOUNT_ERROR.search(detail)
        account, reason = (match["email"], match["reason"]) if match else ("", detail)
        message = (
            f"The {name} account {account} is in an error state ({reason.strip()}): "
            "re-add it upstream."
            if account
            else f"A {name} account is in an error state ({reason}): re-add it upstream."
        )
        return AccountError(message, status=status, detail=detail)
    if status >= 500:
        if idempotent:
            message = f"{name} had a temporary failure ({status}); try again shortly."
            return ServerError(message, status=status, detail=detail, kind=TRANSIENT)
        message = (
            f"{name} failed while handling the request ({status}); it may still have been "
            "accepted, so check before resubmitting."
        )
        return ServerError(message, status=status, detail=detail, kind=AMBIGUOUS)
    message = f"{name} refused the request ({status}): {detail}"
    return UpstreamError(message, status=status, detail=detail)


def error_for_exception(
    exc: httpx.HTTPError, *, service: Service, idempotent: bool, secret: str
) -> UpstreamError:
    detail = _scrub(f"{type(exc).__name__}: {exc}", secret)
    name = service.name
    maybe_sent = TRANSIENT if idempotent else AMBIGUOUS
    ambiguous_tail = "; the request may still have been accepted, so check before resubmitting."
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        message = f"{name} did not accept a connection in time; try again shortly."
        return UpstreamTimeout(message, detail=detail, kind=TRANSIENT)
    if isinstance(exc, httpx.TimeoutException):
        tail = ambiguous_tail if maybe_sent == AMBIGUOUS else "; try again shortly."
        return UpstreamTimeout(
            f"{name} did not answer in time{tail}", detail=detail, kind=maybe_sent
        )
    if isinstance(exc, httpx.ConnectError):
        message = f"Could not connect to {name}; check the network and try again shortly."
        return ConnectionFailed(message, detail=detail, kind=TRANSIENT)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        message = f"Could not send the request to {name}: check its API URL and token settings."
        return ConnectionFailed(message, detail=detail, kind=PERMANENT)
    tail = ambiguous_tail if maybe_sent == AMBIGUOUS else "; try again shortly."
    return ConnectionFailed(
        f"The connection to {name} dropped before it answered{tail}", detail=detail, kind=maybe_sent
    )


USER_AGENT = "Studio/0.1"
CONNECT_TIMEOUT = 5.0


class BearerClient:
    """What both upstream clients share: one pooled httpx client with bearer auth, a
    User-Agent and timeouts; a repr without the secret; use as a context manager."""

    def __init__(
        self, base_url: str, secret: str, timeout: float, transport: httpx.BaseTransport | None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._secret = secret
        self._http = httpx.Client(
            base_url=self.base_url + "/",
            headers={"User-Agent": USER_AGENT, "Authorization": f"Bearer {secret}"},
            timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
