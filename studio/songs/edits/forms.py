"""The edit forms of a take, one per operation, checked with the upstream's own limits
(UPSTREAM.md, POST /music/edit) and against the take's duration."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms

from studio.songs.compose.fields import TextField
from studio.songs.compose.forms import LIMITS, LYRICS_MAX, PROMPT_MAX, SECTION_TAGS, TITLE_MAX
from studio.songs.credits import costs
from studio.songs.models import Clip, Generation

Operation = Generation.Operation
INSTRUCTION_MAX = 2_000
EXTEND_MAX_S = 300
SEED_MAX = 2**63 - 1


def _seconds(label: str, **kwargs: Any) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
        **kwargs,
    )


def _instruction(required: bool, help_text: str) -> TextField:
    return TextField(
        label="Instruction",
        required=required,
        max_length=INSTRUCTION_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Say what the new take should do: the instruction is required."
        },
    )


class EditForm(forms.Form):
    """What every edit takes: an optional title and seed. `clip` is the source take."""

    operation: ClassVar[str]
    limits = LIMITS  # the lyrics counter's
    title = TextField(
        label="Title",
        required=False,
        max_length=TITLE_MAX,
        help_text="Optional: the new take's name (else Flow Music names it after this one).",
    )
    seed = forms.IntegerField(
        label="Seed",
        required=False,
        min_value=0,
        max_value=SEED_MAX,
        help_text="Optional: the same seed gives the same result again.",
    )

    def __init__(self, *args: Any, clip: Clip, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"edit-{clip.pk}-{self.operation}-%s")
        super().__init__(*args, **kwargs)
        self.clip = clip

    @property
    def label(self) -> str:
        return Operation(self.operation).label

    @property
    def free(self) -> bool:
        """Reported free upstream (effects): the button says so."""
        return False

    @property
    def cost(self) -> costs.Cost:
        """What this edit is expected to cost (shown on its button, checked against budgets)."""
        return costs.expected(self.operation)

    @property
    def tags(self) -> tuple[str, ...]:
        return SECTION_TAGS

    @property
    def duration(self) -> float | None:
        return self.clip.duration_s

    def over_duration(self, name: str, value: float | None) -> None:
        """An error on `name` when `value` lies past the end of the take."""
        if value is not None and self.duration is not None and value > self.duration + 0.005:
            self.add_error(name, f"The take is {self.duration:.1f} s long: pick a time within it.")

    def edit_fields(self) -> dict[str, Any]:
        """The columns of the new Generation (see services.create_edit)."""
        data = self.cleaned_data
        return {
            "title": data.get("title") or "",
            "seed": data.get("seed"),
            "instruction": data.get("instruction") or "",
            "options": self.options(),
        }

    def options(self) -> dict[str, Any]:
        return {}


class ExtendForm(EditForm):
    operation = Operation.EXTEND
    instruction = _instruction(
        True, "What comes next, e.g. “a guitar solo, then the chorus again”."
    )
    extend_s = forms.IntegerField(
        label="Seconds to add",
        min_value=1,
        max_value=EXTEND_MAX_S,
        initial=30,
        error_messages={"max_value": f"Flow Music adds at most {EXTEND_MAX_S} seconds at once."},
    )
    extend_from_s = _seconds(
        "Extend from",
        required=False,
        help_text="Click the waveform to pick the point; empty = from the end.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = data.get("extend_from_s")
        if start is not None and start <= 0:
            self.add_error(
                "extend_from_s", "Extend from a point after the start (or leave it empty)."
            )
        self.over_duration("extend_from_s", start)
        return data

    def options(self) -> dict[str, Any]:
        start = self.cleaned_data.get("extend_from_s")
        return {
            "extend_s": self.cleaned_data["extend_s"],
            "extend_from_s": round(start, 2) if start is not None else None,
        }


class ReplaceForm(EditForm):
    operation = Operation.REPLACE
    instruction = _instruction(True, "What the section should become, e.g. “a softer bridge”.")
    mask_start_s = _seconds(
        "Section start", help_text="Drag on the waveform to choose the section."
    )
    mask_end_s = _seconds("Section end")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("mask_start_s"), data.get("mask_end_s")
        if start is not None and end is not None and end <= start:
            self.add_error("mask_end_s", "The section must end after it starts.")
        self.over_duration("mask_start_s", start)
        self.over_duration("mask_end_s", end)
        return data

    def options(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "mask_start_s": round(data["mask_start_s"], 2),
            "mask_end_s": round(data["mask_end_s"], 2),
        }


class CoverForm(EditForm):
    operation = Operation.COVER
    instruction = _instruction(False, "Optional: the new style, e.g. “as a jazz trio”.")
    strength = forms.FloatField(
        label="Strength",
        min_value=0,
        max_value=1,
        initial=1,
        help_text="0 keeps close to the take, 1 restyles it fully.",
        widget=forms.NumberInput(attrs={"step": "0.05", "min": "0", "max": "1"}),
    )

    def options(self) -> dict[str, Any]:
        return {"strength": self.cleaned_data["strength"]}


class RemixForm(EditForm):
    operation = Operation.REMIX
    lyrics = TextField(
        label="Lyrics",
        max_length=LYRICS_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={
            "required": "A remix sings new lyrics: write them (tags like [Verse] help)."
        },
    )
    prompt = TextField(
        label="Prompt",
        required=False,
        max_length=PROMPT_MAX,
        help_text="Optional: a new style; empty keeps the take's prompt.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, clip: Clip, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"lyrics": clip.lyrics})
        super().__init__(*args, clip=clip, **kwargs)

    def edit_fields(self) -> dict[str, Any]:
        return {**super().edit_fields(), "lyrics": self.cleaned_data["lyrics"]}

    def options(self) -> dict[str, Any]:
        return {"prompt": self.cleaned_data.get("prompt") or None}
