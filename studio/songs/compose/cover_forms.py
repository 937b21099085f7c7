"""The compose page's side forms: generate cover art, upload an image or reference audio, use
a cover on an account."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from studio.rsflowhub import estimate_credits
from studio.songs import filecheck
from studio.songs.compose import covers
from studio.songs.compose.fields import TextField, account_field
from studio.songs.models import CoverArt, UpstreamAccount

COVER_PROMPT_MAX = 2_000  # Flow Music's /files/generate limit (rsflowhub allows more)
AUDIO_NOTE = "experimental — Flow Music says it may not influence the result"


class CoverArtForm(forms.Form):
    """Generate cover art: Flow Music always; rsflowhub (style, size, 1-4 images) when set up."""

    prompt = TextField(
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
        self.info: filecheck.ImageInfo | None = None

    def clean_image(self):
        image = self.cleaned_data["image"]
        try:
            self.info = filecheck.check_image(image)
        except filecheck.Rejected as exc:
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
            self.content_type = filecheck.check_audio(audio)
        except filecheck.Rejected as exc:
            raise ValidationError(str(exc)) from None
        return audio


class UseCoverForm(forms.Form):
    """Picking a cover: make sure it has a Flow Music asset on the chosen account."""

    def __init__(self, *args: Any, accounts: Sequence[UpstreamAccount], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["account"] = account_field(accounts)
