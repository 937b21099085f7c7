"""GET /accounts/usage, typed: the upstream's own ledger of one account (credits = tokens / 12).

Read defensively like every record: an event we cannot read is skipped and counted, never a
reason to drop the whole answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from studio.upstream.errors import MalformedRecord

from .fields import (
    ID_MAX,
    clean_text,
    optional_int,
    optional_number,
    parse_time,
    require_object,
    required_str,
)
from .results import EMAIL_MAX

# The usage ledger counts tokens; a credit is 12 of them.
TOKENS_PER_CREDIT = 12
MAX_TOKENS = 10**12
MAX_USAGE_EVENTS = 100_000  # what we read of one answer; the rest count as skipped
USAGE_TYPE_MAX = 100
CENT = Decimal("0.01")


def credits_from_tokens(tokens: int) -> Decimal:
    return (Decimal(tokens) / TOKENS_PER_CREDIT).quantize(CENT)


def _tokens(data: dict[str, Any], tokens_key: str, credits_key: str) -> int | None:
    """Tokens in 0..MAX_TOKENS from `tokens_key`, or from `credits_key` x 12 when the tokens are
    absent; None when unusable."""
    if data.get(tokens_key) is not None:
        return optional_int(data[tokens_key], 0, MAX_TOKENS)
    credits = optional_number(data.get(credits_key), 0, MAX_TOKENS / TOKENS_PER_CREDIT)
    return None if credits is None else round(credits * TOKENS_PER_CREDIT)


def _optional_id(value: object) -> str | None:
    """An id as sent when it is usable text (at most ID_MAX, no control characters)."""
    if not isinstance(value, str) or not value or len(value) > ID_MAX:
        return None
    return value if clean_text(value, ID_MAX, lines=False) == value else None


@dataclass(frozen=True)
class UsageEvent:
    """One charge in the upstream's ledger: `type` is "music" for a song, else the edit's
    operation; `credits` is `tokens` / 12."""

    id: str
    jobid: str | None
    type: str
    tokens: int
    credits: Decimal
    at: datetime | None

    @classmethod
    def from_json(cls, data: object) -> UsageEvent:
        data = require_object(data, "a usage event")
        event_id = required_str(data, "id", "usage event")
        tokens = _tokens(data, "tokens", "credits")
        if tokens is None:
            raise MalformedRecord("a usage event without usable tokens")
        return cls(
            id=event_id,
            jobid=_optional_id(data.get("jobid")),
            type=clean_text(data.get("type"), USAGE_TYPE_MAX, lines=False) or "unknown",
            tokens=tokens,
            credits=credits_from_tokens(tokens),
            at=parse_time(data.get("created_at")),
        )


@dataclass(frozen=True)
class Usage:
    """GET /accounts/usage: the upstream's ledger of one account, oldest first. An event we
    cannot read is left out and counted in `skipped`, so one bad entry hides nothing else."""

    email: str
    events: tuple[UsageEvent, ...]
    total_charged_credits: Decimal | None
    skipped: int

    @classmethod
    def from_json(cls, data: object, email: str | None = None) -> Usage:
        """`email` is the account asked about, used if the body lacks it."""
        data = require_object(data, "the usage answer")
        raw = data.get("events")
        if not isinstance(raw, list):
            raise MalformedRecord("the usage answer has no list of events")
        events = []
        for item in raw[:MAX_USAGE_EVENTS]:
            try:
                events.append(UsageEvent.from_json(item))
            except MalformedRecord:
                continue
        summary = data.get("summary")
        total = None
        if isinstance(summary, dict):
            tokens = _tokens(summary, "total_charged_tokens", "total_charged_credits")
            total = None if tokens is None else credits_from_tokens(tokens)
        return cls(
            email=clean_text(data.get("email"), EMAIL_MAX, lines=False)
            or (email or "")[:EMAIL_MAX],
            events=tuple(events),
            total_charged_credits=total,
            skipped=len(raw) - len(events),
        )
