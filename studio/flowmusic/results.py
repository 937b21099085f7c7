"""Typed Flow Music results: job records with their clips, assets and accounts (usage: usage.py).

The parsers accept every documented null and missing optional field and ignore unknown fields,
so an upstream that adds a field (or leaves one out) never breaks a running job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from studio.upstream.errors import MalformedRecord

from .fields import (
    bounded_json,
    clean_text,
    optional_int,
    optional_number,
    optional_str,
    parse_time,
    require_object,
    required_str,
)

PENDING = "pending"
COMPLETED = "completed"
FAILED = "failed"
TERMINAL_STATUSES = frozenset({COMPLETED, FAILED})
# The documented statuses. Anything else is unreadable: better a clear failure of that one job
# than polling it for the week the upstream keeps it.
STATUSES = frozenset({PENDING, COMPLETED, FAILED})

# What we keep of a record, at most: our columns' sizes, and far more than a real song needs.
TITLE_MAX = 200
LYRICS_MAX = 20_000
URL_MAX = 8_192
EMAIL_MAX = 254
MESSAGE_MAX = 500
MAX_DURATION = 24 * 3600.0
MAX_TIMED_LINES = 5_000
MAX_CLIPS = 8
REQUEST_ECHO_MAX = 64 * 1024
# Accounts are stored too (UpstreamAccount): their numbers must fit its integer columns.
MAX_JOBS = 1_000  # the upstream allows 1-16
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def _reply_ref(data: dict[str, Any], request: dict[str, Any]) -> str | None:
    """Our reference for the job: the webhook sends it on top, every record echoes it."""
    for value in (data.get("replyRef"), request.get("replyRef")):
        if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
            return str(value)[:100]
    return None


@dataclass(frozen=True)
class Clip:
    """One rendered song (of an A/B pair)."""

    clip: str
    title: str | None
    duration_s: float | None
    lyrics: str | None
    seed: int | None
    lyrics_timing: list[tuple[float, float]] | None
    created_at: datetime | None
    audio_url: str
    wav_url: str
    image_url: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Clip:
        data = require_object(data, "a clip")
        return cls(
            clip=required_str(data, "clip", "clip"),
            title=clean_text(data.get("title"), TITLE_MAX, lines=False) or None,
            duration_s=optional_number(data.get("duration_s"), 0.0, MAX_DURATION),
            lyrics=clean_text(data.get("lyrics"), LYRICS_MAX),
            seed=optional_int(data.get("seed"), 0),
            lyrics_timing=_timing(data.get("lyrics_timing")),
            created_at=parse_time(data.get("created_at")),
            audio_url=_url(data.get("audio_url")),
            wav_url=_url(data.get("wav_url")),
            image_url=_url(data.get("image_url")) or None,
        )


def _status(data: dict[str, Any]) -> str:
    status = required_str(data, "status", "job record", limit=40)
    if status not in STATUSES:
        raise MalformedRecord("job record with an unknown status")
    return status


def _url(value: object) -> str:
    """A link as sent, or "" when it is not text or absurdly long (the downloader judges it)."""
    return value if isinstance(value, str) and len(value) <= URL_MAX else ""


def _timing(raw: object) -> list[tuple[float, float]] | None:
    """[start, end] pairs in seconds; a pair that is not two ordered, finite times is dropped."""
    if not isinstance(raw, list):
        return None
    pairs = []
    for pair in raw[:MAX_TIMED_LINES]:
        if isinstance(pair, list | tuple) and len(pair) >= 2:
            start = optional_number(pair[0], 0.0, MAX_DURATION)
            end = optional_number(pair[1], 0.0, MAX_DURATION)
            if start is not None and end is not None and start <= end:
                pairs.append((start, end))
    return pairs


@dataclass(frozen=True)
class JobError:
    """Why an accepted job ended `failed`, e.g. `moderation_reject`."""

    code: str
    message: str

    @classmethod
    def from_json(cls, data: object) -> JobError | None:
        if isinstance(data, str) and data:
            return cls(code="error", message=clean_text(data, MESSAGE_MAX) or "error")
        if not isinstance(data, dict):
            return None
        code = clean_text(data.get("code"), 100, lines=False) or "error"
        return cls(code=code, message=clean_text(data.get("message"), MESSAGE_MAX) or code)


@dataclass(frozen=True)
class Job:
    """A job record, the same shape from POST /music, GET /jobs/{jobid} and the webhook."""

    jobid: str
    email: str
    status: str
    created_at: datetime | None
    completed_at: datetime | None
    duration_ms: int | None
    clips: tuple[Clip, ...]
    error: JobError | None
    request: dict[str, Any] = field(default_factory=dict)
    reply_ref: str | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def is_completed(self) -> bool:
        return self.status == COMPLETED

    @property
    def is_failed(self) -> bool:
        return self.status == FAILED

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        data = require_object(data, "the job record")
        request = bounded_json(data.get("request"), REQUEST_ECHO_MAX)
        clips = data.get("clips")
        clips = clips[:MAX_CLIPS] if isinstance(clips, list) else []
        return cls(
            jobid=required_str(data, "jobid", "job record"),
            email=clean_text(data.get("email"), EMAIL_MAX, lines=False) or "",
            status=_status(data),
            created_at=parse_time(data.get("created_at")),
            completed_at=parse_time(data.get("completed_at")),
            duration_ms=optional_int(data.get("duration_ms"), 0),
            clips=tuple(Clip.from_json(c) for c in clips),
            error=JobError.from_json(data.get("error")),
            request=request,
            reply_ref=_reply_ref(data, request),
        )


@dataclass(frozen=True)
class Asset:
    """An uploaded or generated file; `id` is usable as refImageN/refAudioN on `email`'s songs."""

    id: str
    url: str
    kind: str
    asset_type: str
    email: str
    width: int | None = None
    height: int | None = None
    model: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Asset:
        kind = optional_str(data.get("kind")) or optional_str(data.get("assetType")) or ""
        return cls(
            id=required_str(data, "id", "asset"),
            url=optional_str(data.get("url")) or "",
            kind=kind,
            asset_type=optional_str(data.get("assetType")) or kind,
            email=clean_text(data.get("email"), EMAIL_MAX, lines=False) or "",
            width=optional_int(data.get("width"), 0, INT32_MAX),
            height=optional_int(data.get("height"), 0, INT32_MAX),
            model=optional_str(data.get("model")),
        )


@dataclass(frozen=True)
class Account:
    """A configured upstream account; `error` is set when it must be re-added upstream."""

    email: str
    max_jobs: int | None
    error: str | None
    credits_remaining: int | None

    @classmethod
    def from_json(cls, data: dict[str, Any], email: str | None = None) -> Account:
        """`email` is the key the account was listed under, used if the body lacks it."""
        error = data.get("error")
        return cls(
            email=clean_text(data.get("email"), EMAIL_MAX, lines=False)
            or (email or "")[:EMAIL_MAX],
            max_jobs=optional_int(data.get("maxJobs"), 1, MAX_JOBS),
            error=clean_text(str(error), MESSAGE_MAX) if error else None,
            credits_remaining=optional_int(data.get("credits_remaining"), INT32_MIN, INT32_MAX),
        )


@dataclass(frozen=True)
class RunningJob:
    """A job listed by GET /jobs."""

    jobid: str
    status: str
    created_at: datetime | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunningJob:
        return cls(
            jobid=required_str(data, "jobid", "running job"),
            status=optional_str(data.get("status")) or PENDING,
            created_at=parse_time(data.get("created_at")),
        )


@dataclass(frozen=True)
class AccountJobs:
    """One account's entry in GET /jobs: its running jobs against its maxJobs."""

    email: str
    running: int
    max_jobs: int | None
    jobs: tuple[RunningJob, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any], email: str | None = None) -> AccountJobs:
        """`email` is the key the entry was listed under."""
        raw_jobs = data.get("jobs")
        jobs = tuple(RunningJob.from_json(j) for j in raw_jobs or () if isinstance(j, dict))
        running = optional_int(data.get("running"))
        return cls(
            email=optional_str(data.get("email")) or email or "",
            running=len(jobs) if running is None else running,
            max_jobs=optional_int(data.get("maxJobs")),
            jobs=jobs,
        )


@dataclass(frozen=True)
class LyricsDraft:
    """POST /music/lyrics: a title and tagged lyrics written from a theme (free)."""

    lyrics: str
    title: str = ""
    sound_prompt: str = ""
    email: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LyricsDraft:
        data = require_object(data, "lyrics draft")
        lyrics = clean_text(data.get("lyrics"), LYRICS_MAX)
        if not lyrics or not lyrics.strip():
            raise MalformedRecord("the lyrics draft has no lyrics")
        return cls(
            lyrics=lyrics,
            title=clean_text(data.get("title"), TITLE_MAX, lines=False) or "",
            sound_prompt=clean_text(data.get("sound_prompt"), LYRICS_MAX) or "",
            email=clean_text(data.get("email"), EMAIL_MAX, lines=False) or "",
        )
