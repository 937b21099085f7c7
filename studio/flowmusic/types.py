"""Typed Flow Music requests and results.

The parsers accept every documented null and missing optional field and ignore unknown fields,
so an upstream that adds a field (or leaves one out) never breaks a running job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

PENDING = "pending"
COMPLETED = "completed"
FAILED = "failed"
TERMINAL_STATUSES = frozenset({COMPLETED, FAILED})

MAX_REFS = 10


def parse_time(value: object) -> datetime | None:
    """An aware datetime from ISO 8601 (trailing `Z` included); None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: object) -> float | None:
    # bool is an int subclass, but `true` is never a number here.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _int(value: object) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


def _required(data: dict[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} without {key!r}")
    return value


@dataclass(frozen=True)
class SongRequest:
    """The body of POST /music; always sent in async mode (a dropped sync call loses the song)."""

    prompt: str
    lyrics: str | None = None
    instrumental: bool | None = None
    ghostwriter: str | None = None
    email: str | None = None
    model: str | None = None
    ref_images: tuple[str, ...] = ()
    ref_audios: tuple[str, ...] = ()
    reply_url: str | None = None
    reply_ref: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"prompt": self.prompt, "mode": "async"}
        optional = {
            "lyrics": self.lyrics,
            "instrumental": self.instrumental,
            "ghostwriter": self.ghostwriter,
            "email": self.email,
            "model": self.model,
            "replyUrl": self.reply_url,
            "replyRef": self.reply_ref,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        for prefix, refs in (("refImage", self.ref_images), ("refAudio", self.ref_audios)):
            if len(refs) > MAX_REFS:
                raise ValueError(f"At most {MAX_REFS} {prefix} references, got {len(refs)}")
            for number, asset_id in enumerate(refs, start=1):
                body[f"{prefix}{number}"] = asset_id
        return body

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SongRequest:
        """Read a request back, e.g. the `request` echoed in a job record."""

        def refs(prefix: str) -> tuple[str, ...]:
            found = (_str(data.get(f"{prefix}{n}")) for n in range(1, MAX_REFS + 1))
            return tuple(ref for ref in found if ref)

        instrumental = data.get("instrumental")
        return cls(
            prompt=_str(data.get("prompt")) or "",
            lyrics=_str(data.get("lyrics")),
            instrumental=instrumental if isinstance(instrumental, bool) else None,
            ghostwriter=_str(data.get("ghostwriter")),
            email=_str(data.get("email")),
            model=_str(data.get("model")),
            ref_images=refs("refImage"),
            ref_audios=refs("refAudio"),
            reply_url=_str(data.get("replyUrl")),
            reply_ref=_str(data.get("replyRef")),
        )


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
                    start, end = _number(pair[0]), _number(pair[1])
                    if start is not None and end is not None:
                        timing.append((start, end))
        return cls(
            clip=_required(data, "clip", "clip"),
            title=_str(data.get("title")),
            duration_s=_number(data.get("duration_s")),
            lyrics=_str(data.get("lyrics")),
            seed=_int(data.get("seed")),
            lyrics_timing=timing,
            created_at=parse_time(data.get("created_at")),
            audio_url=_str(data.get("audio_url")) or "",
            wav_url=_str(data.get("wav_url")) or "",
            image_url=_str(data.get("image_url")),
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
        code = _str(data.get("code")) or str(data.get("code") or "error")
        return cls(code=code, message=_str(data.get("message")) or code)


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
            jobid=_required(data, "jobid", "job record"),
            email=_str(data.get("email")) or "",
            status=_required(data, "status", "job record"),
            created_at=parse_time(data.get("created_at")),
            completed_at=parse_time(data.get("completed_at")),
            duration_ms=_int(data.get("duration_ms")),
            clips=tuple(Clip.from_json(c) for c in clips or () if isinstance(c, dict)),
            error=JobError.from_json(data.get("error")),
            request=request,
            reply_ref=_str(data.get("replyRef")) or _str(request.get("replyRef")),
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
        kind = _str(data.get("kind")) or _str(data.get("assetType")) or ""
        return cls(
            id=_required(data, "id", "asset"),
            url=_str(data.get("url")) or "",
            kind=kind,
            asset_type=_str(data.get("assetType")) or kind,
            email=_str(data.get("email")) or "",
            width=_int(data.get("width")),
            height=_int(data.get("height")),
            model=_str(data.get("model")),
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
            email=_str(data.get("email")) or email or "",
            max_jobs=_int(data.get("maxJobs")),
            error=str(error) if error else None,
            credits_remaining=_int(data.get("credits_remaining")),
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
            jobid=_required(data, "jobid", "running job"),
            status=_str(data.get("status")) or PENDING,
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
        running = _int(data.get("running"))
        return cls(
            email=_str(data.get("email")) or email or "",
            running=len(jobs) if running is None else running,
            max_jobs=_int(data.get("maxJobs")),
            jobs=jobs,
        )
