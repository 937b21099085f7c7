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
    utf16_length,
)
from studio.songs.models import CoverArt, Generation, ReferenceAudio, UpstreamAccount

PROMPT_MAX = 10_000
LYRICS_MAX = 10_000
TITLE_MAX = 200
THEME_MAX = 2_000  # POST /music/lyrics: the theme and the structure
STRUCTURE_MAX = 2_000
MAX_IMAGES = 10  # refImage1..refImage10, the cover included
MAX_AUDIO = 10
# The counters under the prompt and lyrics boxes (compose and the take edit forms).
LIMITS = {
    "prompt": PROMPT_MAX,
    "lyrics": LYRICS_MAX,
    "prompt_text": f"{PROMPT_MAX:,}",
    "lyrics_text": f"{LYRICS_MAX:,}",
}
SECTION_TAGS = ("[Verse]", "[Pre-Chorus]", "[Chorus]", "[Bridge]", "[Outro]")
INSTRUMENTAL_NOTE = "Instrumental songs have no lyrics"
GHOSTWRITER_NOTE = "Only used when Flow Music writes the lyrics"
TITLE_NOTE = "Optional. Both takes are named after it; leave it empty and Flow Music names them."
PROMPT_REQUIRED = "Describe the song you want: the prompt is required."
THEME_REQUIRED = (
    "Write lyrics for me needs a theme: describe the song in the Prompt (or type a Theme) first."
)


class SongForm(forms.Form):
    # No `required` attributes: the browser's bubble would stand in for our message (the
    # prompt says aria-required instead, and compose.js shows the message before sending).
    use_required_attribute = False

    prompt = TextField(
        label="Prompt",
        max_length=PROMPT_MAX,
        widget=forms.Textarea(
            attrs={"rows": 4, "aria-describedby": "prompt-counter", "aria-required": "true"}
        ),
        error_messages={"required": PROMPT_REQUIRED},
    )
    title = TextField(
        label="Title",
        required=False,
        max_length=TITLE_MAX,
        help_text=TITLE_NOTE,
        widget=forms.TextInput(attrs={"aria-describedby": "title-note", "autocomplete": "off"}),
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
    model = forms.ChoiceField(
        label="Model",
        choices=Generation.Model.choices,
        initial=Generation.Model.LYRIA_3_PRO,
        required=False,
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

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())  # one line, as the takes show it

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
            "title": data["title"],
            "model": data["model"] or Generation.Model.LYRIA_3_PRO,
            "lyrics": lyrics,
            "instrumental": data["instrumental"],
            # Flow Music ignores the writer when lyrics are given; do not pretend otherwise.
            "ghostwriter": "" if lyrics else (data["ghostwriter"] or "standard"),
            "cover_art": data["cover_art"],
            "extra_image_ids": [image.pk for image in data["extra_images"]],
            "reference_audio_ids": [audio.pk for audio in data["reference_audio"]],
            "account_choice": data["account"],
        }


class LyricsRequestForm(forms.Form):
    """ "Write lyrics for me": the Theme, or else the song's Prompt, and an optional structure.

    It is posted with the whole song form, so `prompt` and `account` are the song's own."""

    prompt = TextField(label="Prompt", required=False)
    lyrics_theme = TextField(
        label="Theme",
        required=False,
        max_length=THEME_MAX,
        help_text="Optional: what the lyrics are about. Empty: the Prompt is used.",
        widget=forms.TextInput(attrs={"aria-describedby": "lyrics-theme-note"}),
    )
    lyrics_structure = TextField(
        label="Structure",
        required=False,
        max_length=STRUCTURE_MAX,
        help_text="Optional: the sections to write, in order.",
        widget=forms.TextInput(
            attrs={
                "placeholder": "[Verse] [Chorus] [Verse] [Chorus]",
                "aria-describedby": "lyrics-structure-note",
            }
        ),
    )

    def __init__(self, *args: Any, accounts: Sequence[UpstreamAccount], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["account"] = account_field(accounts)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        theme = data["lyrics_theme"] or data["prompt"]
        if not theme:
            raise ValidationError(THEME_REQUIRED)
        if utf16_length(theme) > THEME_MAX:
            raise ValidationError(
                f"The Prompt is too long to be the lyrics theme (it has {utf16_length(theme):,} "
                f"characters; Flow Music takes {THEME_MAX:,}): type a shorter Theme."
            )
        data["theme"] = theme
        return data

    def problems(self) -> list[str]:
        """Every error as one sentence naming its field, for the assistant's status line."""
        found = [str(error) for error in self.non_field_errors()]
        for name, errors in self.errors.items():
            if name != "__all__":
                found += [f"{self.fields[name].label}: {error}" for error in errors]
        return found

    def draft_fields(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "prompt": data["theme"],
            "structure": data["lyrics_structure"],
            "account_choice": data["account"],
        }
