"""Typed errors for the upstream APIs.

Every error says whether it is PERMANENT (do not retry), TRANSIENT (nothing was accepted; retry
later) or AMBIGUOUS (the request may have been accepted: never resubmit blindly), and carries a
`message` a user can act on. STATUS_ERRORS below is the one table of which HTTP answer becomes
which error; `studio.upstream.http` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

PERMANENT = "permanent"
TRANSIENT = "transient"
AMBIGUOUS = "ambiguous"


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


class NoLyrics(UpstreamError):
    """422 `no_lyrics` from Flow Music's POST /music/lyrics: nothing could be written."""


class RateLimited(UpstreamError):
    """429: every account is busy; nothing was accepted, so it is safe to retry later."""


class ImageDeclined(UpstreamError):
    """500 from Flow Music's POST /files/generate: its (unexplained) way of declining a prompt."""


class AccountError(UpstreamError):
    """596: the upstream account is in an error state and must be re-added there."""


class MalformedRecord(ValueError):
    """Raised by a parser: the answer is JSON, but a record in it is unusable (the reason is
    ours, short, and never quotes the body)."""


class MalformedResponse(UpstreamError):
    """A readable answer whose record we cannot use: it fails that one job, for good."""


class ServerError(UpstreamError):
    """Another 5xx, or a success answer we could not read."""


class UpstreamTimeout(UpstreamError):
    """No answer in time."""


class ConnectionFailed(UpstreamError):
    """The connection could not be made, or dropped before an answer came."""


@dataclass(frozen=True)
class StatusRule:
    """How one answer becomes an error: its class, its message and whether to retry."""

    error: type[UpstreamError]
    # May use {name}, {token_setting}, {status} and {detail} (the upstream's own text).
    template: str
    kind: str = PERMANENT


STATUS_ERRORS: dict[int, StatusRule] = {
    400: StatusRule(BadRequest, "{name} rejected the request: {detail}"),
    401: StatusRule(
        Unauthorized, "{name} rejected our API token: an admin must fix {token_setting}."
    ),
    402: StatusRule(
        InsufficientCredits,
        "The {name} account has no credits left: top up its credits or choose another account.",
    ),
    403: StatusRule(
        Forbidden, "{name} refused access: this item belongs to another account or API token."
    ),
    404: StatusRule(NotFound, "{name} does not know this item: it does not exist or has expired."),
    413: StatusRule(
        PayloadTooLarge,
        "The file is too large for {name}: images up to 20 MB, audio up to 40 MB.",
    ),
    422: StatusRule(
        Moderated,
        "{name}'s content filter blocked this prompt. Change the words it objects to (real "
        "artists' names, lyrics you did not write, explicit content) and try again.",
    ),
    429: StatusRule(
        RateLimited, "{name} is busy (too many generations at once); try again shortly.", TRANSIENT
    ),
}
# Any other 5xx, keyed by `idempotent`: a call that creates something may have been accepted.
SERVER_ERRORS: dict[bool, StatusRule] = {
    True: StatusRule(
        ServerError, "{name} had a temporary failure ({status}); try again shortly.", TRANSIENT
    ),
    False: StatusRule(
        ServerError,
        "{name} failed while handling the request ({status}); it may still have been "
        "accepted, so check before resubmitting.",
        AMBIGUOUS,
    ),
}
OTHER_STATUS = StatusRule(UpstreamError, "{name} refused the request ({status}): {detail}")
# 596 has its own message naming the account (see http._account_error).
ACCOUNT_ERROR_STATUS = 596
