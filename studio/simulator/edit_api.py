"""``POST /music/edit``: extend, replace, cover, remix, an effect or stems of a finished clip.

Checked in this order, the first failure answering 400 with a message naming the field: ``email``
(not a field here: the clip's own account runs the edit), ``operation``, ``clip`` (a clip of a
completed song or edit), ``title``, ``seed``, ``mode``, ``replyRef`` / ``replyUrl``, then the
operation's own fields (an effect's: ``effect_api.py``; stems have none); each operation reads
only its own and ignores the rest.

Effects run like the other edits (async or sync, webhook); they and stems cost nothing
(``state.edit_costs``). Stems are always synchronous (``mode`` and ``replyUrl`` are ignored): 200
with the completed record once the four are rendered (``stems.py``); asking again for the same
clip answers with the same job (named by the first request's ``title``), at once, so a retry after
a lost answer is safe.
"""

from __future__ import annotations

import time
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
from studio.simulator.effect_api import NUMBERS as EFFECT_NUMBERS
from studio.simulator.effect_api import read_effect
from studio.simulator.lyrics import sung_lines
from studio.simulator.models import ApiError, EditSpec, SimJob
from studio.simulator.params import at_most_duration, number, ranged
from studio.simulator.state import SimulatorState
from studio.simulator.wsgi import Request, Response, json_response

OPERATIONS = ("extend", "replace", "cover", "remix", "effect", "stems")
INSTRUCTION_MAX = 2_000
TITLE_MAX = 200
CLIP_MAX = 1_000
EXTEND_S = (1, 300)
DEFAULT_EXTEND_S = 150
#: Sent as text by multipart / urlencoded forms; read as numbers there.
NUMBERS = EFFECT_NUMBERS | frozenset(
    {"seed", "extend_s", "extend_from_s", "mask_start_s", "mask_end_s", "strength"}
)


def create_edit(state: SimulatorState, req: Request) -> Response:
    data = parse_body(req, NUMBERS)
    edit = validate_edit(state, data)
    if edit.operation == "stems":
        return answer_stems(state, req, data, edit)
    job = state.submit_edit(data, edit, req.base_url)
    state.prefetch(job)  # a long extension takes seconds to render: start before it is due
    return answer_job(state, req, job)


def answer_stems(
    state: SimulatorState, req: Request, data: dict[str, Any], edit: EditSpec
) -> Response:
    """200 with the completed stems job of the clip: rendered now (and charged) the first time,
    else the earlier job's, waiting for it when another request is still rendering it."""
    job, fresh = state.submit_stems(data, edit, req.base_url)
    if fresh:
        req.jobid = job.jobid
        try:
            state.prerender(job)
        except Exception:
            state.finish_stems(job, failed=True)
            raise
        state.finish_stems(job)
    _wait(job)
    if job.error:
        raise ApiError(500, "Stem separation failed")
    return json_response(200, state.job_record(job, req.base_url))


def _wait(job: SimJob) -> None:
    while job.status() == "pending":
        time.sleep(min(0.05, max(0.001, job.ready_at - time.time())))


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


def _extend(data: dict[str, Any], duration: float) -> dict[str, Any]:
    instruction = text_param(data, "instruction", INSTRUCTION_MAX, required=True)
    extend_s = ranged(data, "extend_s", *EXTEND_S, default=DEFAULT_EXTEND_S)
    start = number(data, "extend_from_s", default=duration)
    if start <= 0:
        raise ApiError(400, "Parameter extend_from_s must be greater than 0")
    at_most_duration("extend_from_s", start, duration)
    return {"instruction": instruction, "extend_s": extend_s, "extend_from_s": start}


def _replace(data: dict[str, Any], duration: float) -> dict[str, Any]:
    instruction = text_param(data, "instruction", INSTRUCTION_MAX, required=True)
    start = number(data, "mask_start_s")
    end = number(data, "mask_end_s")
    if start < 0:
        raise ApiError(400, "Parameter mask_start_s must be at least 0")
    if end <= start:
        raise ApiError(400, "Parameter mask_end_s must be greater than mask_start_s")
    at_most_duration("mask_end_s", end, duration)
    return {"instruction": instruction, "mask_start_s": start, "mask_end_s": end}


def _cover(data: dict[str, Any], duration: float) -> dict[str, Any]:
    instruction = text_param(data, "instruction", INSTRUCTION_MAX)
    return {"instruction": instruction, "strength": ranged(data, "strength", 0, 1, default=1)}


def _remix(data: dict[str, Any], duration: float) -> dict[str, Any]:
    lyrics = text_param(data, "lyrics", LYRICS_MAX, required=True) or ""
    if not sung_lines(lyrics):
        raise ApiError(400, "Parameter lyrics must have at least one line to sing")
    return {"lyrics": lyrics, "prompt": text_param(data, "prompt", PROMPT_MAX)}


def _stems(data: dict[str, Any], duration: float) -> dict[str, Any]:
    return {}  # nothing to choose: the four stems of the clip


_READERS = {
    "extend": _extend,
    "replace": _replace,
    "cover": _cover,
    "remix": _remix,
    "effect": read_effect,
    "stems": _stems,
}
