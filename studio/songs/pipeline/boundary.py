"""Each job in its own error boundary (DESIGN §5 invariant 8): whatever one job's record makes
us raise, that job alone ends `failed` with a reason the user can read, the error is logged
once, and the other jobs of the same pass go on."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from studio.flowmusic import MalformedResponse
from studio.songs import lifecycle
from studio.songs.lifecycle import ErrorCode

log = logging.getLogger(__name__)


def unreadable(reason: str) -> str:
    return f"Flow Music sent a job record we could not read: {reason}. Use Retry to make it again."


def fail_unreadable(pk: int, reason: str) -> None:
    lifecycle.fail(pk, ErrorCode.MALFORMED, unreadable(reason))


@contextmanager
def own_job(pk: int) -> Iterator[None]:
    try:
        yield
    except MalformedResponse as exc:
        log.warning("generation %s: %s", pk, exc.message)
        fail_unreadable(pk, exc.detail or exc.message)
    except Exception as exc:  # the point: any error of this job stays with this job
        log.exception("generation %s: its record broke a pipeline step", pk)
        fail_unreadable(pk, f"it could not be stored ({type(exc).__name__})")
