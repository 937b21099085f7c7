"""The HTTP base both upstream clients build on, and the one place failures become typed errors.

Every request goes out through `call_upstream()`: one pooled httpx client per BearerClient, with
bearer auth, our User-Agent and timeouts. A non-2xx answer is looked up in errors.STATUS_ERRORS,
an httpx exception is mapped by `error_for_exception()`; secrets are scrubbed from every detail.
Every answer (or failure) is also reported to `response_observers`, e.g. for metrics.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, Any, ClassVar, Self, TypeVar

import httpx

from .errors import (
    ACCOUNT_ERROR_STATUS,
    AMBIGUOUS,
    OTHER_STATUS,
    PERMANENT,
    SERVER_ERRORS,
    STATUS_ERRORS,
    TRANSIENT,
    AccountError,
    ConnectionFailed,
    MalformedRecord,
    MalformedResponse,
    ServerError,
    UpstreamError,
    UpstreamTimeout,
)
from .observers import endpoint_template, notify

logger = logging.getLogger(__name__)

# Sent on every outgoing request, API calls and media downloads alike.
USER_AGENT = "Studio/0.1"
CONNECT_TIMEOUT = 5.0

T = TypeVar("T")
# An upload body: bytes, or a file or an iterator that is streamed, never read whole.
RequestBody = bytes | Iterator[bytes] | IO[bytes]

# Called after every upstream call with (service name, method, endpoint template, status code or
# httpx exception name, seconds). Django apps register here (this package imports none of them).
ResponseObserver = Callable[[str, str, str, str, float], None]
response_observers: list[ResponseObserver] = []


@dataclass(frozen=True)
class Service:
    """Which upstream a call went to, for messages a user or admin can act on."""

    name: str
    token_setting: str


_ACCOUNT_ERROR = re.compile(r"Account (?P<email>.+?) in error state: (?P<reason>.+)", re.DOTALL)
_MAYBE_ACCEPTED = "; the request may still have been accepted, so check before resubmitting."
_TRY_AGAIN = "; try again shortly."


class BearerClient:
    """What both upstream clients share: one pooled httpx client with bearer auth, a
    User-Agent and timeouts; a repr without the secret; use as a context manager."""

    service: ClassVar[Service]

    def __init__(
        self,
        base_url: str,
        secret: str,
        *,
        timeout: float,
        transport: httpx.BaseTransport | None = None,
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

    def _request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json: Any = None,
        content: RequestBody | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """The one way out to the service: auth, timeouts and error mapping happen here."""
        request = self._http.build_request(
            method, path, json=json, content=content, params=params, headers=headers
        )
        return call_upstream(
            self._http, request, service=self.service, idempotent=idempotent, secret=self._secret
        )

    def _parse(self, response: httpx.Response, parse: Callable[[Any], T], idempotent: bool) -> T:
        return parse_body(response, parse, service=self.service, idempotent=idempotent)


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
    observed = (service.name, request.method, endpoint_template(client, request))
    try:
        response = client.send(request)
    except httpx.HTTPError as exc:
        notify(response_observers, *observed, type(exc).__name__, time.monotonic() - started)
        error = error_for_exception(exc, service=service, idempotent=idempotent, secret=secret)
        logger.warning("%s failed: %s (%s)", label, error.detail, error.kind)
        # `from None`: some httpx messages quote header values, which may include the token.
        raise error from None
    elapsed = time.monotonic() - started
    notify(response_observers, *observed, str(response.status_code), elapsed)
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
    """Parse a 2xx JSON body. Unreadable JSON is a ServerError (ambiguous for a create call);
    a readable answer whose record is unusable is a MalformedResponse for a lookup."""
    error: Exception
    try:
        # NaN and Infinity are not JSON: read them as missing, not as floats we cannot store.
        return parse(response.json(parse_constant=_no_constant))
    except MalformedRecord as exc:
        if idempotent:
            message = f"{service.name} sent a record we could not use ({exc})"
            raise MalformedResponse(message, status=response.status_code, detail=str(exc)) from None
        error = exc
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        error = exc
    message = f"{service.name} sent an answer we could not read{_tail(idempotent)}"
    raise ServerError(
        message,
        status=response.status_code,
        detail=type(error).__name__,
        kind=TRANSIENT if idempotent else AMBIGUOUS,
    ) from None


def _no_constant(name: str) -> None:
    return None


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


def error_for_response(
    response: httpx.Response, *, service: Service, idempotent: bool, secret: str
) -> UpstreamError:
    """The typed error for a non-2xx answer, from STATUS_ERRORS (596 names the account)."""
    status = response.status_code
    detail = _scrub(_detail(response), secret)
    if status == ACCOUNT_ERROR_STATUS:
        return _account_error(service, detail)
    rule = STATUS_ERRORS.get(status)
    if rule is None:
        rule = SERVER_ERRORS[idempotent] if status >= 500 else OTHER_STATUS
    message = rule.template.format(
        name=service.name, token_setting=service.token_setting, status=status, detail=detail
    )
    # Retry-After is read where the upstream documents it: on its 429 "busy" answers.
    retry_after = parse_retry_after(response.headers.get("Retry-After")) if status == 429 else None
    return rule.error(
        message, status=status, detail=detail, kind=rule.kind, retry_after=retry_after
    )


def error_for_exception(
    exc: httpx.HTTPError, *, service: Service, idempotent: bool, secret: str
) -> UpstreamError:
    """The typed error for a request that got no answer; unsent requests are never ambiguous."""
    detail = _scrub(f"{type(exc).__name__}: {exc}", secret)
    name = service.name
    maybe_sent = TRANSIENT if idempotent else AMBIGUOUS
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        message = f"{name} did not accept a connection in time; try again shortly."
        return UpstreamTimeout(message, detail=detail, kind=TRANSIENT)
    if isinstance(exc, httpx.TimeoutException):
        message = f"{name} did not answer in time{_tail(idempotent)}"
        return UpstreamTimeout(message, detail=detail, kind=maybe_sent)
    if isinstance(exc, httpx.ConnectError):
        message = f"Could not connect to {name}; check the network and try again shortly."
        return ConnectionFailed(message, detail=detail, kind=TRANSIENT)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        message = f"Could not send the request to {name}: check its API URL and token settings."
        return ConnectionFailed(message, detail=detail, kind=PERMANENT)
    message = f"The connection to {name} dropped before it answered{_tail(idempotent)}"
    return ConnectionFailed(message, detail=detail, kind=maybe_sent)


def _tail(idempotent: bool) -> str:
    """How a message ends once the request may have left us."""
    return _TRY_AGAIN if idempotent else _MAYBE_ACCEPTED


def _account_error(service: Service, detail: str) -> AccountError:
    """596: name the account and the reason when the upstream's text gives them."""
    match = _ACCOUNT_ERROR.search(detail)
    if match:
        message = (
            f"The {service.name} account {match['email']} is in an error state "
            f"({match['reason'].strip()}): re-add it upstream."
        )
    else:
        message = f"A {service.name} account is in an error state ({detail}): re-add it upstream."
    return AccountError(message, status=ACCOUNT_ERROR_STATUS, detail=detail)


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
