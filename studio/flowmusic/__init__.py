"""Flow Music (useapi.net) client: typed requests, results and errors.

The error types are shared with rsflowhub and live in `studio.upstream`; they are re-exported here
so callers need only `from studio.flowmusic import ...`.
"""

from __future__ import annotations

from studio.upstream.errors import (
    AMBIGUOUS,
    PERMANENT,
    TRANSIENT,
    AccountError,
    BadRequest,
    ConnectionFailed,
    Forbidden,
    ImageDeclined,
    InsufficientCredits,
    MalformedResponse,
    Moderated,
    NoLyrics,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    Unauthorized,
    UpstreamError,
    UpstreamTimeout,
)

from .client import FlowMusicClient
from .fields import parse_time
from .request import EDIT_FIELDS, EFFECT_FIELDS, EditRequest, SongRequest
from .results import (
    Account,
    AccountJobs,
    Asset,
    Clip,
    Job,
    JobError,
    LyricsDraft,
    RunningJob,
)
from .usage import Usage, UsageEvent

__all__ = [
    "AMBIGUOUS",
    "EDIT_FIELDS",
    "EFFECT_FIELDS",
    "EditRequest",
    "LyricsDraft",
    "NoLyrics",
    "PERMANENT",
    "TRANSIENT",
    "Account",
    "AccountError",
    "AccountJobs",
    "Asset",
    "BadRequest",
    "Clip",
    "ConnectionFailed",
    "FlowMusicClient",
    "Forbidden",
    "ImageDeclined",
    "MalformedResponse",
    "InsufficientCredits",
    "Job",
    "JobError",
    "Moderated",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "RunningJob",
    "ServerError",
    "SongRequest",
    "Unauthorized",
    "UpstreamError",
    "UpstreamTimeout",
    "Usage",
    "UsageEvent",
    "parse_time",
]
