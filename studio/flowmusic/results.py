"""Typed Flow Music results: job records with their clips, assets and accounts.

The parsers accept every documented null and missing optional field and ignore unknown fields,
so an upstream that adds a field (or leaves one out) never breaks a running job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .fields import optional_int, optional_number, optional_str, parse_time, required_str

PENDING = "pending"
COMPLETED = "completed"
FAILED = "failed"
TERMINAL_STATUSES = frozenset({COMPLETED, FAILED})


def _reply_ref(data: dict[str, Any], request: dict[str, Any]) -> str | None:
    """Our reference for the job: the webhook sends it on top, every record echoes it."""
    for value in (data.get("replyRef"), request.get("replyRef")):
        if value is not None and value != "":
            return str(value)
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
        timing: list[tuple[float, float]] | None = None
        raw_timing = data.get("lyrics_timing")
        if isinstance(raw_timing, list):
            timing = []
            for pair in raw_timing:
                if isinstance(pair, list | tuple) and len(pair) >= 2:
                    start, end = optional_number(pair[0]), optional_number(pair[1])
                    if start is not None and end is not None:
                        timing.append((start, end))
        return cls(
            clip=required_str(data, "clip", "clip"),
            title=optional_str(data.get("title")),
            duration_s=optional_number(data.get("duration_s")),
            lyrics=optional_str(data.get("lyrics")),
            seed=optional_int(data.get("seed")),
            lyrics_timing=timing,
            created_at=parse_time(data.get("created_at")),
            audio_url=optional_str(data.get("audio_url")) or "",
            wav_url=optional_str(data.get("wav_url")) or "",
            image_url=optional_str(data.get("image_url")),
        )


@dataclass(frozen=True)
class JobError:
    """Why an accepted job ended `failed`, e.g. `moderation_reject`."""

    code: str
    message: str

    @classmethod
    def from_json(cls, data: object) -> JobError | None:
        if isinstance(data, str) and data:
            return cls(code="error", message=data)
        if not isinstance(data, dict):
            return None
        code = optional_str(data.get("code")) or str(data.get("code") or "error")
        return cls(code=code, message=optional_str(data.get("message")) or code)


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
        request = data.get("request")
        request = request if isinstance(request, dict) else {}
        clips = data.get("clips")
        return cls(
            jobid=required_str(data, "jobid", "job record"),
            email=optional_str(data.get("email")) or "",
            status=required_str(data, "status", "job record"),
            created_at=parse_time(data.get("created_at")),
            completed_at=parse_time(data.get("completed_at")),
            duration_ms=optional_int(data.get("duration_ms")),
            clips=tuple(Clip.from_json(c) for c in clips or () if isinstance(c, dict)),
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
            email=optional_str(data.get("email")) or "",
            width=optional_int(data.get("width")),
            height=optional_int(data.get("height")),
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
            email=optional_str(data.get("email")) or email or "",
            max_jobs=optional_int(data.get("maxJobs")),
            error=str(error) if error else None,
            credits_remaining=optional_int(data.get("credits_remaining")),
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
