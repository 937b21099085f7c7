"""Lenient readers for Flow Music's JSON fields.

Every documented null or missing optional field reads as None, and a value of the wrong type is
treated as missing, so an upstream that changes a field never breaks a running job.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


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


def optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def optional_number(value: object) -> float | None:
    # bool is an int subclass, but `true` is never a number here.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def optional_int(value: object) -> int | None:
    number = optional_number(value)
    return int(number) if number is not None and number.is_integer() else None


def required_str(data: dict[str, Any], key: str, what: str) -> str:
    """A field the record is useless without; its absence makes the whole answer unreadable."""
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} without {key!r}")
    return value
