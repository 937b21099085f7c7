"""What both upstream clients share: typed errors, the HTTP base and the media downloader.

`errors` holds the error classes and the status table, `http` the bearer-auth client base that
maps every failure to them, `download` the plain client and streaming downloader for media links.
"""

from __future__ import annotations

from .download import DownloadFailed, download, media_client
from .errors import (
    AMBIGUOUS,
    PERMANENT,
    TRANSIENT,
    AccountError,
    BadRequest,
    ConnectionFailed,
    Forbidden,
    ImageDeclined,
    InsufficientCredits,
    Moderated,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    Unauthorized,
    UpstreamError,
    UpstreamTimeout,
)
from .http import (
    CONNECT_TIMEOUT,
    USER_AGENT,
    BearerClient,
    Service,
    call_upstream,
    error_for_exception,
    error_for_response,
    parse_body,
    parse_retry_after,
)

__all__ = [
    "AMBIGUOUS",
    "CONNECT_TIMEOUT",
    "PERMANENT",
    "TRANSIENT",
    "USER_AGENT",
    "AccountError",
    "BadRequest",
    "BearerClient",
    "ConnectionFailed",
    "DownloadFailed",
    "Forbidden",
    "ImageDeclined",
    "InsufficientCredits",
    "Moderated",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "ServerError",
    "Service",
    "Unauthorized",
    "UpstreamError",
    "UpstreamTimeout",
    "call_upstream",
    "download",
    "error_for_exception",
    "error_for_response",
    "media_client",
    "parse_body",
    "parse_retry_after",
]
