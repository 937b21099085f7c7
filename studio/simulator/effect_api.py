"""The fields of ``operation: "effect"``: which effect, and only that effect's own fields.

Every other field is ignored, as upstream documents. The first failure answers 400:

* ``effect``: required, one of Trim, Fade, Gain, Reverb, Pan, Equalizer (case-sensitive).
* Trim: ``start_s`` and ``end_s`` required, 0 <= start_s < end_s <= the clip's duration (and at
  least one sample apart).
* Fade: ``fade_in_s`` and ``fade_out_s`` (default 0) at least 0, one of them above 0, together
  at most the clip's duration.
* Gain: ``gain_db`` required, -30 to 30.
* Reverb: ``mix`` (default 0.3) and ``room_size`` (default 0.5), 0 to 1.
* Pan: ``pan`` required, -1 (left) to 1 (right).
* Equalizer: ``bass_db``, ``mid_db``, ``treble_db`` (default 0), -12 to 12, one of them non-zero.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from studio.simulator.audio import SAMPLE_RATE
from studio.simulator.effects import EFFECTS
from studio.simulator.models import ApiError
from studio.simulator.params import at_least, at_most_duration, number, ranged

#: Sent as text by multipart / urlencoded forms; read as numbers there.
NUMBERS = frozenset(
    {"start_s", "end_s", "fade_in_s", "fade_out_s", "gain_db", "mix", "room_size", "pan"}
    | {"bass_db", "mid_db", "treble_db"}
)
GAIN_DB = (-30, 30)
EQ_DB = (-12, 12)
EQ_FIELDS = ("bass_db", "mid_db", "treble_db")
DEFAULT_MIX = 0.3
DEFAULT_ROOM_SIZE = 0.5


def read_effect(data: dict[str, Any], duration: float) -> dict[str, Any]:
    """The checked parameters of an effect on a clip of ``duration`` seconds."""
    effect = data.get("effect")
    if effect is None or effect == "":
        raise ApiError(400, "Parameter effect is required")
    if effect not in EFFECTS:
        raise ApiError(400, f"Parameter effect must be one of: {', '.join(EFFECTS)}")
    return {"effect": effect, **_READERS[effect](data, duration)}


def _trim(data: dict[str, Any], duration: float) -> dict[str, Any]:
    start, end = number(data, "start_s"), number(data, "end_s")
    at_least("start_s", start, 0)
    if round(end * SAMPLE_RATE) <= round(start * SAMPLE_RATE):
        raise ApiError(400, "Parameter end_s must be greater than start_s")
    at_most_duration("end_s", end, duration)
    return {"start_s": start, "end_s": end}


def _fade(data: dict[str, Any], duration: float) -> dict[str, Any]:
    fade_in, fade_out = number(data, "fade_in_s", 0), number(data, "fade_out_s", 0)
    at_least("fade_in_s", fade_in, 0)
    at_least("fade_out_s", fade_out, 0)
    if fade_in == 0 and fade_out == 0:
        raise ApiError(400, "Parameter fade_in_s or fade_out_s must be greater than 0")
    if fade_in + fade_out > duration:
        raise ApiError(
            400,
            f"Parameter fade_in_s + fade_out_s must be at most the clip's duration "
            f"({duration:g} s)",
        )
    return {"fade_in_s": fade_in, "fade_out_s": fade_out}


def _gain(data: dict[str, Any], duration: float) -> dict[str, Any]:
    return {"gain_db": ranged(data, "gain_db", *GAIN_DB, default=None)}


def _reverb(data: dict[str, Any], duration: float) -> dict[str, Any]:
    mix = ranged(data, "mix", 0, 1, default=DEFAULT_MIX)
    return {"mix": mix, "room_size": ranged(data, "room_size", 0, 1, default=DEFAULT_ROOM_SIZE)}


def _pan(data: dict[str, Any], duration: float) -> dict[str, Any]:
    return {"pan": ranged(data, "pan", -1, 1, default=None)}


def _equalizer(data: dict[str, Any], duration: float) -> dict[str, Any]:
    bands = {name: ranged(data, name, *EQ_DB, default=0) for name in EQ_FIELDS}
    if not any(bands.values()):
        raise ApiError(400, "Parameter bass_db, mid_db or treble_db must be non-zero")
    return bands


_READERS: dict[str, Callable[[dict[str, Any], float], dict[str, Any]]] = {
    "Trim": _trim,
    "Fade": _fade,
    "Gain": _gain,
    "Reverb": _reverb,
    "Pan": _pan,
    "Equalizer": _equalizer,
}
