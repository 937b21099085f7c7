"""``POST /music/edit``: extend, replace, cover or remix a finished clip, as the seed documents.

Checked in this order, the first failure answering 400 with a message naming the field: ``email``
(not a field here: the clip's own account runs the edit), ``operation``, ``clip`` (a clip of a
completed song or edit), ``title``, ``seed``, ``mode``, ``replyRef`` / ``replyUrl``, then the
operation's own fields; each operation reads only its own and ignores the rest. ``effect`` and
``stems`` are not simulated yet: they answer as unknown operations.
"""

from __future__ import annotations

import math
from typing import Any

from studio.simulator.api import (
    CHOICES,
    LYRICS_MAX,
    PROMPT_MAX,
    answer_job,
    check_choices,
    check_reply,
    parse_body,
    text_param,
)
from studio.simulator.lyrics import sung_lines
from studio.simulator.models import ApiError, EditSpec
from studio.simulator.state import SimulatorState
from studio.simulator.wsgi import Request, Response

OPERATIONS = ("extend", "replace", "cover", "remix")
INSTRUCTION_MAX = 2_000
TITLE_MAX = 200
CLIP_MAX = 1_000
EXTEND_S = (1, 300)
DEFAULT_EXTEND_S = 150
#: Sent as text by multipart / urlencoded forms; read as numbers there.
NUMBERS = frozenset({"seed", "extend_s", "extend_from_s", "mask_start_s", "mask_end_s", "strength"})


def create_edit(state: SimulatorState, req: Request) -> Response:
    data = parse_body(req, NUMBERS)
    edit = validate_edit(state, data)
    job = state.submit_edit(data, edit, req.base_url)
    state.prefetch(job)  # a long extension takes seconds to render: start before it is due
    return answer_job(state, req, job)


def validate_edit(state: SimulatorState, data: dict[str, Any]) -> EditSpec:
    """Check an edit body; returns what the job will do (its source clip and parameters)."""
    if "email" in data:
        raise ApiError(
            400, "Parameter email is not supported: the clip's own account runs the edit"
        )
    operation = data.get("operation")
    if operation is None or operation == "":
        raise ApiError(400, "Parameter operation is required")
    if operation not in OPERATIONS:
        raise ApiError(400, f"Parameter operation must be one of: {', '.join(OPERATIONS)}")
    clip = text_param(data, "clip", CLIP_MAX, required=True) or ""
    found = state.find_clip(clip)
    if found is None:
        raise ApiError(400, "Parameter clip is not a known clip id")
    text_param(data, "title", TITLE_MAX)
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ApiError(400, "Parameter seed must be an integer")
    if seed is not None and seed < 0:
        raise ApiError(400, "Parameter seed must be at least 0")
    check_choices(data, {"mode": CHOICES["mode"]})
    check_reply(state, data)
    source, slot = found
    duration = state.clip_media(source, slot).duration_s
    return EditSpec(operation, source, slot, _READERS[operation](data, duration))


def _number(
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


def _ranged(data: dict[str, Any], name: str, low: float, high: float, default: float) -> float:
    message = f"Parameter {name} must be a number from {low:g} to {high:g}"
    value = _number(data, name, default, message)
    if not low <= value <= high:
        raise ApiError(400, message)
    return value


def _at_most_duration(name: str, value: float, duration: float) -> None:
    if value > duration:
        raise ApiError(
            400, f"Parameter {name} must be at most the clip's duration ({duration:g} s)"
        )


def _extend(data: dict[str, Any], duration: float) -> dict[str, Any]:
    instruction = text_param(data, "instruction", INSTRUCTION_MAX, required=True)
    extend_s = _ranged(data, "extend_s", *EXTEND_S, default=DEFAULT_EXTEND_S)
    start = _number(data, "extend_from_s", default=duration)
    if start <= 0:
        raise ApiError(400, "Parameter extend_from_s must be greater than 0")
    _at_most_duration("extend_from_s", start, duration)
    return {"instruction": instruction, "extend_s": extend_s, "extend_from_s": start}


def _replace(data: dict[str, Any], duration: float) -> dict[str, Any]:
    instruction = text_param(data, "instruction", INSTRUCTION_MAX, required=True)
    start = _number(data, "mask_start_s")
    end = _number(data, "mask_end_s")
    if start < 0:
        raise ApiError(400, "Parameter mask_start_s must be at least 0")
    if end <= start:
        raise ApiError(400, "Parameter mask_end_s must be greater than mask_start_s")
    _at_most_duration("mask_end_s", end, duration)
    return {"instruction": instruction, "mask_start_s": start, "mask_end_s": end}


def _cover(data: dict[str, Any], duration: float) -> dict[str, Any]:
    instruction = text_param(data, "instruction", INSTRUCTION_MAX)
    return {"instruction": instruction, "strength": _ranged(data, "strength", 0, 1, default=1)}


def _remix(data: dict[str, Any], duration: float) -> dict[str, Any]:
    lyrics = text_param(data, "lyrics", LYRICS_MAX, required=True) or ""
    if not sung_lines(lyrics):
        raise ApiError(400, "Parameter lyrics must have at least one line to sing")
    return {"lyrics": lyrics, "prompt": text_param(data, "prompt", PROMPT_MAX)}


_READERS = {"extend": _extend, "replace": _replace, "cover": _cover, "remix": _remix}
