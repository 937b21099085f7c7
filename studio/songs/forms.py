"""Every input of the compose page goes through one of these forms, htmx endpoints included."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from studio.rsflowhub import estimate_credits
from studio.songs import covers, uploads
from studio.songs.models import CoverArt, Generation, ReferenceAudio, UpstreamAccount

PROMPT_MAX = 10_000
LYRICS_MAX = 10_000
COVER_PROMPT_MAX = 2_000  # Flow Music's /files/generate limit (rsflowhub allows more)
MAX_IMAGES = 10  # refImage1..refImage10, the cover included
MAX_AUDIO = 10
SECTION_TAGS = ("[Verse]", "[Pre-Chorus]", "[Chorus]", "[Bridge]", "[Outro]")
INSTRUMENTAL_NOTE = "Instrumental songs have no lyrics"
GHOSTWRITER_NOTE = "Only used when Flow Music writes the lyrics"
AUDIO_NOTE = "experimental — Flow Music says it may not influence the result"


def account_label(account: UpstreamAccount) -> str:
    if account.error:
        return f"{account.email} (error: {account.error})"
    if account.credits_remaining is None:
        return f"{account.email} — credits unknown"
    return f"{account.email} — {account.credits_remaining:,} credits"


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def utf16_length(text: str) -> int:
    """Length as browsers and the upstream (JavaScript) count it: an emoji is 2."""
    return len(text.encode("utf-16-le")) // 2


class TextField(forms.CharField):
    """Free text as typed: CRLF counts as one line break; lengths counted as the page counts
    them (UTF-16 units), so the counter, our check and the upstream's agree."""

    def to_python(self, value: Any) -> str:
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")
        return super().to_python(value) or ""

    def run_validators(self, value: Any) -> None:
        # Django's max_length counts code points; check UTF-16 units instead, once.
        limit = self.max_length
        if isinstance(value, str) and limit is not None and utf16_length(value) > limit:
            raise ValidationError(
                f"Keep this under {limit:,} characters "
                f"(it has {utf16_length(value):,}; emoji count as 2).",
                code="max_length",
            )
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise ValidationError(
                "This text contains invisible control characters (often pasted from another "
                "app); remove them and try again.",
                code="control_characters",
            )
        validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]
        errors = []
        for validator in validators:
            try:
                validator(value)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)


class AccountSelect(forms.Select):
    """Options carry their account's error, so the page can warn when one in error is picked."""

    def __init__(self, *args: Any, errors: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.errors = errors or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.errors:
            option["attrs"]["data-error"] = self.errors[str(value)]
        return option


def account_field(accounts: Sequence[UpstreamAccount]) -> forms.ChoiceField:
    """Auto, or one of the accounts Flow Music listed."""
    return forms.ChoiceField(
        label="Account",
        required=False,
        choices=[("", "Auto")] + [(a.email, account_label(a)) for a in accounts],
        widget=AccountSelect(errors={a.email: a.error for a in accounts if a.error}),
        error_messages={"invalid_choice": "Choose Auto or one of the listed accounts."},
    )


class OrderedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Team-scoped ids, returned as objects in the order they were sent (refImage2, 3, ...)."""

    widget = forms.MultipleHiddenInput

    def clean(self, value: Any) -> list[Any]:  # type: ignore[override]
        found = {str(obj.pk): obj for obj in super().clean(value)}
        ordered: list[Any] = []
        for key in value or []:
            obj = found.get(str(key))
            if obj is not None and obj not in ordered:
                ordered.append(obj)
        return ordered


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
    cover_art = forms.ModelChoiceField(
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


class CoverArtForm(forms.Form):
    """Generate cover art: Flow Music always; rsflowhub (style, size, 1-4 images) when set up."""

    prompt = forms.CharField(
        label="Cover art prompt",
        max_length=COVER_PROMPT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Describe the image first: the cover art prompt is empty."},
    )
    provider = forms.ChoiceField(
        label="Image model",
        choices=[
            (CoverArt.Provider.FLOWMUSIC, "Flow Music (1 image, free)"),
            (CoverArt.Provider.RSFLOWHUB, "rsflowhub (1–4 images, uses rsflowhub credits)"),
        ],
        initial=CoverArt.Provider.FLOWMUSIC,
        widget=forms.RadioSelect,
        required=False,
    )
    # Only read for rsflowhub; absent values fall back to these defaults.
    style = forms.ChoiceField(
        label="Style", choices=covers.STYLES, initial="illustration", required=False
    )
    size = forms.ChoiceField(
        label="Size", choices=covers.SIZES, initial="1024x1024", required=False
    )
    n = forms.TypedChoiceField(
        label="Images",
        choices=[(n, str(n)) for n in range(1, 5)],
        coerce=int,
        initial=1,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args: Any, accounts: Sequence[UpstreamAccount], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rsflowhub = covers.rsflowhub_enabled()
        if not self.rsflowhub:
            for name in ("provider", "style", "size", "n"):
                del self.fields[name]
        self.fields["account"] = account_field(accounts)

    def job_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            "prompt": data["prompt"],
            "provider": data.get("provider") or CoverArt.Provider.FLOWMUSIC,
            "account_choice": data["account"],
        }
        if fields["provider"] == CoverArt.Provider.RSFLOWHUB:
            fields.update(
                style=data["style"] or "illustration",
                size=data["size"] or "1024x1024",
                count=data["n"] or 1,
            )
        return fields

    def cost(self) -> int:
        """rsflowhub credits for the size and count currently chosen."""
        try:
            return estimate_credits(int(self["n"].value()), str(self["size"].value()))
        except (KeyError, TypeError, ValueError):
            return estimate_credits(1, "1024x1024")

    @staticmethod
    def costs() -> dict[str, dict[str, int]]:
        """rsflowhub credits for every size and count, for the live cost on the page."""
        return {
            size: {str(n): estimate_credits(n, size) for n in range(1, 5)}
            for size, _ in covers.SIZES
        }


class ImageUploadForm(forms.Form):
    """An uploaded image, as the cover or as one more reference image."""

    image = forms.FileField(
        label="Image file",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    purpose = forms.ChoiceField(
        choices=[("cover", "Cover"), ("extra", "Reference")],
        initial="cover",
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, accounts: Sequence[UpstreamAccount], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["account"] = account_field(accounts)
        self.info: uploads.ImageInfo | None = None

    def clean_image(self):
        image = self.cleaned_data["image"]
        try:
            self.info = uploads.check_image(image)
        except uploads.Rejected as exc:
            raise ValidationError(str(exc)) from None
        return image


class AudioUploadForm(forms.Form):
    audio = forms.FileField(
        label="Reference audio",
        help_text=AUDIO_NOTE,
        widget=forms.FileInput(
            attrs={"accept": "audio/mpeg,audio/wav,audio/x-wav,audio/mp4,audio/x-m4a,audio/aac"}
        ),
    )

    def clean_audio(self):
        audio = self.cleaned_data["audio"]
        try:
            self.content_type = uploads.check_audio(audio)
        except uploads.Rejected as exc:
            raise ValidationError(str(exc)) from None
        return audio


class UseCoverForm(forms.Form):
    """Picking a cover: make sure it has a Flow Music asset on the chosen account."""

    def __init__(self, *args: Any, accounts: Sequence[UpstreamAccount], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["account"] = account_field(accounts)
