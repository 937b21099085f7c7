"""Checks for the numeric fields of ``POST /music/edit``: 400s that name the field."""

from __future__ import annotations

import math
from typing import Any

from studio.simulator.models import ApiError


def number(
    data: dict[str, Any], name: str, default: float | None = None, message: str = ""
) -> float:
    """A finite number (not a boolean); ``default`` when absent, required when that is None."""
    value = data.get(name)
    if value is None:
        if default is None:
            raise ApiError(400, f"Parameter {name} is required")
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ApiError(400, message or f"Parameter {name} must be a number")
    return value


def ranged(
    data: dict[str, Any], name: str, low: float, high: float, default: float | None
) -> float:
    """A number in ``[low, high]``; one message for a wrong type and a wrong value."""
    message = f"Parameter {name} must be a number from {low:g} to {high:g}"
    value = number(data, name, default, message)
    if not low <= value <= high:
        raise ApiError(400, message)
    return value


def at_least(name: str, value: float, low: float) -> None:
    if value < low:
        raise ApiError(400, f"Parameter {name} must be at least {low:g}")


def at_most_duration(name: str, value: float, duration: float) -> None:
    if value > duration:
        raise ApiError(
            400, f"Parameter {name} must be at most the clip's duration ({duration:g} s)"
        )
