"""The song form. Every input of the compose page goes through a form, htmx endpoints included
(the cover art and reference forms are in cover_forms.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from studio.songs.compose.fields import (
    IdChoiceField,
    OrderedModelMultipleChoiceField,
    TextField,
    account_field,
)
from studio.songs.models import CoverArt, Generation, ReferenceAudio, UpstreamAccount

PROMPT_MAX = 10_000
LYRICS_MAX = 10_000
MAX_IMAGES = 10  # refImage1..refImage10, the cover included
MAX_AUDIO = 10
SECTION_TAGS = ("[Verse]", "[Pre-Chorus]", "[Chorus]", "[Bridge]", "[Outro]")
INSTRUMENTAL_NOTE = "Instrumental songs have no lyrics"
GHOSTWRITER_NOTE = "Only used when Flow Music writes the lyrics"


class SongForm(forms.Form):
    prompt = TextField(
        label="Prompt",
        max_length=PROMPT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "aria-describedby": "prompt-counter"}),
        error_messages={"required": "Describe the song you want: the prompt is required."},
    )
    lyrics = TextField(
        label="Lyrics",
        required=False,
        max_length=LYRICS_MAX,
        widget=forms.Textarea(
            attrs={"rows": 10, "aria-describedby": "lyrics-counter instrumental-note"}
        ),
    )
    instrumental = forms.BooleanField(label="Instrumental", required=False)
    ghostwriter = forms.ChoiceField(
        label="Lyrics writer",
        choices=Generation.Ghostwriter.choices,
        initial=Generation.Ghostwriter.STANDARD,
        required=False,
        help_text=GHOSTWRITER_NOTE,
        widget=forms.Select(attrs={"aria-describedby": "ghostwriter-note"}),
    )
    cover_art = IdChoiceField(
        queryset=CoverArt.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That cover art is not available; pick another."},
    )
    extra_images = OrderedModelMultipleChoiceField(queryset=CoverArt.objects.none(), required=False)
    reference_audio = OrderedModelMultipleChoiceField(
        queryset=ReferenceAudio.objects.none(), required=False
    )

    def __init__(self, *args: Any, team, accounts: Sequence[UpstreamAccount], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["account"] = account_field(accounts)
        images = CoverArt.objects.filter(team=team)
        self.fields["cover_art"].queryset = images  # type: ignore[attr-defined]
        self.fields["extra_images"].queryset = images  # type: ignore[attr-defined]
        self.fields["reference_audio"].queryset = ReferenceAudio.objects.filter(  # type: ignore[attr-defined]
            team=team
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("instrumental") and data.get("lyrics"):
            self.add_error(
                "lyrics",
                f"{INSTRUMENTAL_NOTE}: clear the lyrics or untick Instrumental.",
            )
        cover = data.get("cover_art")
        extras = [image for image in data.get("extra_images") or [] if image != cover]
        data["extra_images"] = extras
        if len(extras) + (1 if cover else 0) > MAX_IMAGES:
            raise ValidationError(
                f"At most {MAX_IMAGES} images in all (the cover included); remove some."
            )
        if len(data.get("reference_audio") or []) > MAX_AUDIO:
            self.add_error("reference_audio", f"At most {MAX_AUDIO} reference audio files.")
        return data

    def generation_fields(self) -> dict[str, Any]:
        """The keyword arguments of services.create_generation (team and author aside)."""
        data = self.cleaned_data
        lyrics = data["lyrics"]
        return {
            "prompt": data["prompt"],
            "lyrics": lyrics,
            "instrumental": data["instrumental"],
            # Flow Music ignores the writer when lyrics are given; do not pretend otherwise.
            "ghostwriter": "" if lyrics else (data["ghostwriter"] or "standard"),
            "cover_art": data["cover_art"],
            "extra_image_ids": [image.pk for image in data["extra_images"]],
            "reference_audio_ids": [audio.pk for audio in data["reference_audio"]],
            "account_choice": data["account"],
        }
