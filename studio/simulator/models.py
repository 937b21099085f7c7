"""The simulator's records: accounts, jobs, assets, request and webhook logs, errors."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DEFAULT_TOKEN = "simulator-token"
MODERATION_ERROR = {
    "code": "moderation_reject",
    "message": "the model declined to generate audio for this prompt",
}
BUSY_MESSAGE = 'FlowMusic conversation failed (429): {"detail":"Too Many Requests"}'
NO_CREDITS_MESSAGE = (
    'FlowMusic conversation failed (402): {"detail":"User has insufficient credits"}'
)
FORBIDDEN = re.compile(r"\bforbidden\b", re.IGNORECASE)
#: Credits per accepted edit (``SimulatorState.edit_costs``); a song costs ``song_cost``.
EDIT_COSTS = {"extend": 8, "replace": 6, "cover": 10, "remix": 10, "effect": 0, "stems": 0}
#: The usage ledger counts tokens; a credit is 12 of them.
TOKENS_PER_CREDIT = 12
SONG_USAGE = "music"  # the usage type of a song; an edit's is its operation


@dataclass
class SimAccount:
    email: str
    max_jobs: int = 2
    credits: int = 1000
    error: str | None = None


def default_accounts() -> list[SimAccount]:
    return [
        SimAccount("alice@example.com", max_jobs=3, credits=1000),
        SimAccount("bob@example.com", max_jobs=2, credits=1000),
        SimAccount("carol@example.com", max_jobs=2, credits=0),
        SimAccount("broken@example.com", max_jobs=2, credits=1000, error="refresh token rejected"),
    ]


class ApiError(Exception):
    """A documented error answer: ``{"error": message, "code": status}``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class SimAsset:
    id: str
    email: str
    kind: str  # image | audio
    content_type: str
    name: str  # file name in the media store
    width: int | None = None
    height: int | None = None
    model: str | None = None


@dataclass
class SimJob:
    jobid: str
    email: str
    created: float
    ready_at: float  # when the job turns terminal
    request: dict[str, Any]
    clips: list[str]  # clip asset ids (their media is shared per render, see media.py)
    seed: int
    error: dict[str, str] | None
    base_url: str  # scheme://host/prefix of the submitting request, for webhook media URLs
    notified: bool = False
    edit: EditSpec | None = None  # None for a song
    # When its files were first rendered (lazily, at the first record asked for after
    # ready_at): the upstream's own completion, as a real one has its files by then.
    rendered_at: float | None = None

    @property
    def finished_at(self) -> float:
        return max(self.ready_at, self.rendered_at or 0.0)

    @property
    def operation(self) -> str | None:
        return self.edit.operation if self.edit else None

    def status(self, now: float | None = None) -> str:
        if (time.time() if now is None else now) < self.ready_at:
            return "pending"
        return "failed" if self.error else "completed"


@dataclass
class EditSpec:
    """What an edit job does: its operation, its source clip (clip number ``slot`` of the job
    ``source``) and the operation's checked parameters, defaults filled in."""

    operation: str  # extend | replace | cover | remix | effect | stems
    source: SimJob
    slot: int
    params: dict[str, Any]


@dataclass
class LoggedRequest:
    method: str
    route: str | None  # e.g. "POST /music"; None for unknown paths
    path: str
    query: dict[str, str]
    json: Any
    at: float
    status: int | None = None  # None: the connection was dropped without an answer
    jobid: str | None = None  # set when the request created a job
    fault: str | None = None


@dataclass
class WebhookAttempt:
    jobid: str
    url: str
    delivery: int  # 1..webhook_repeat
    attempt: int  # 1.. (retries count up)
    status: int | None  # None: no HTTP answer
    error: str | None
    payload: dict[str, Any]
    at: float


def credits_of(tokens: int) -> int | float:
    """Tokens as credits: a whole number when they divide evenly (they do for our costs)."""
    whole, rest = divmod(tokens, TOKENS_PER_CREDIT)
    return whole if rest == 0 else round(tokens / TOKENS_PER_CREDIT, 2)


def iso(ts: float) -> str:
    stamp = datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")
