"""Effects on a take (POST /music/edit operation=effect): one effect per new take, with only
that effect's own fields, in the ranges the upstream documents. Reported free upstream."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from studio.flowmusic import EFFECT_FIELDS
from studio.songs.edits.forms import EditForm
from studio.songs.models import Generation

FREE_NOTE = "Effects are free: Flow Music charges no credits for them."


def _number(label: str, low: float, high: float, step: str, **kwargs: Any) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        widget=forms.NumberInput(attrs={"step": step, "min": low, "max": high}),
        **kwargs,
    )


class EffectForm(EditForm):
    operation = Generation.Operation.EFFECT
    effect = forms.ChoiceField(
        label="Effect",
        choices=[(name, name) for name in EFFECT_FIELDS],
        initial="Trim",
        help_text=FREE_NOTE,
    )
    start_s = _number("Trim start", 0, 24 * 3600, "0.1", help_text="Drag on the waveform.")
    end_s = _number("Trim end", 0, 24 * 3600, "0.1")
    fade_in_s = _number("Fade in (s)", 0, 24 * 3600, "0.1")
    fade_out_s = _number("Fade out (s)", 0, 24 * 3600, "0.1")
    gain_db = _number("Gain (dB)", -30, 30, "0.5")
    mix = _number("Reverb mix", 0, 1, "0.05", help_text="0 dry, 1 all reverb.")
    room_size = _number("Room size", 0, 1, "0.05")
    pan = _number("Pan", -1, 1, "0.05", help_text="−1 left, 0 centre, 1 right.")
    bass_db = _number("Bass (dB)", -12, 12, "0.5")
    mid_db = _number("Mid (dB)", -12, 12, "0.5")
    treble_db = _number("Treble (dB)", -12, 12, "0.5")

    #: Fields an effect cannot do without; the others default upstream.
    REQUIRED = {"Trim": ("start_s", "end_s"), "Gain": ("gain_db",), "Pan": ("pan",)}

    @property
    def label(self) -> str:
        return "Effects"

    @property
    def free(self) -> bool:
        return True

    @property
    def effect_fields_json(self) -> str:
        """For edits.js: which inputs to show for each effect."""
        return json.dumps(EFFECT_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        effect = data.get("effect")
        if not effect:
            return data
        for name in set(EFFECT_FIELDS[effect]) - set(self.REQUIRED.get(effect, ())):
            data.setdefault(name, None)
        for name in self.REQUIRED.get(effect, ()):
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, f"{effect} needs this value.")
        getattr(self, f"_check_{effect.lower()}", lambda data: None)(data)
        return data

    def _check_trim(self, data: dict[str, Any]) -> None:
        start, end = data.get("start_s"), data.get("end_s")
        if start is not None and end is not None and end <= start:
            self.add_error("end_s", "Trim must end after it starts.")
        self.over_duration("end_s", end)
        self.over_duration("start_s", start)

    def _check_fade(self, data: dict[str, Any]) -> None:
        fade_in, fade_out = data.get("fade_in_s") or 0, data.get("fade_out_s") or 0
        if fade_in <= 0 and fade_out <= 0:
            self.add_error("fade_in_s", "Give a fade in, a fade out, or both (in seconds).")
        elif self.duration is not None and fade_in + fade_out > self.duration + 0.005:
            self.add_error(
                "fade_out_s", f"The fades add up to more than the take ({self.duration:.1f} s)."
            )

    def _check_equalizer(self, data: dict[str, Any]) -> None:
        if not any(data.get(name) for name in EFFECT_FIELDS["Equalizer"]):
            self.add_error("bass_db", "Move at least one band away from 0 dB.")

    def options(self) -> dict[str, Any]:
        effect = self.cleaned_data["effect"]
        values = {name: self.cleaned_data.get(name) for name in EFFECT_FIELDS[effect]}
        rounded = {name: round(v, 2) if v is not None else None for name, v in values.items()}
        return {"effect": effect, **rounded}
