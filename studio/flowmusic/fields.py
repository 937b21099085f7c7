"""Defensive readers for Flow Music's JSON fields (DESIGN §5 invariant 8).

Every documented null or missing optional field reads as None, and so does a value of the wrong
type, a non-finite number or an integer out of our columns' range: an upstream that changes a
field never breaks a running job. Text is cleaned (NUL and control characters removed, cut to
what we store). A field the record is useless without raises `MalformedRecord`, which the client
turns into one `MalformedResponse` error for that job alone.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from studio.upstream.errors import MalformedRecord

INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # a BigIntegerField
ID_MAX = 300  # our jobid / clip id columns
# NUL cannot be stored by PostgreSQL; the rest are invisible and only ever hostile in a title.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse_time(value: object) -> datetime | None:
    """An aware datetime from ISO 8601 (trailing `Z` included); None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    text = value.strip()
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def clean_text(value: object, limit: int, *, lines: bool = True) -> str | None:
    """Text as we store it: control characters removed (line breaks kept when `lines`), cut
    at `limit` characters; None when it is not text."""
    if not isinstance(value, str):
        return None
    text = (_CONTROL if lines else _ANY_CONTROL).sub("", value[: limit * 2])
    return text[:limit]


def optional_number(value: object, low: float = -math.inf, high: float = math.inf) -> float | None:
    """A finite number in [low, high] (numeric strings too); None otherwise."""
    # bool is an int subclass, but `true` is never a number here.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, str) and len(value) > 40:
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def optional_int(value: object, low: int = INT_MIN, high: int = INT_MAX) -> int | None:
    """An integer in [low, high]; None otherwise (2**70 does not fit a database column)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if low <= value <= high else None
    number = optional_number(value)
    if number is None or not number.is_integer():
        return None
    whole = int(number)
    return whole if low <= whole <= high else None


def required_str(data: dict[str, Any], key: str, what: str, limit: int = ID_MAX) -> str:
    """A field the record is useless without; missing, not text, too long or with control
    characters, the whole record is unreadable."""
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedRecord(f"{what} without {key!r}")
    if len(value) > limit or _ANY_CONTROL.search(value):
        raise MalformedRecord(f"{what} with an unusable {key!r}")
    return value


def require_object(data: object, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise MalformedRecord(f"{what} is not an object")
    return data


def bounded_json(value: object, limit: int) -> dict[str, Any]:
    """A JSON object kept for the record only if it is small: {} otherwise."""
    if not isinstance(value, dict):
        return {}
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return {}
    if len(text) > limit:
        return {}
    # A round trip drops nothing, but NUL must go for PostgreSQL's jsonb.
    return json.loads(text.replace("\\u0000", ""))
