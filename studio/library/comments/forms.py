"""The song page's comment forms: a new comment on a take, a reply, an edit."""

from __future__ import annotations

from typing import cast

from django import forms

from studio.library.presenters import duration_text
from studio.songs.models import Clip
from studio.together.comments import MAX_TEXT

TEXT_ERRORS = {
    "required": "Write something first.",
    "max_length": f"A comment is at most {MAX_TEXT:,} characters (this one has %(show_value)s).",
}


class CommentText(forms.CharField):
    def widget_attrs(self, widget):
        # No maxlength attribute: the browser would cut a long paste short without a word;
        # the server says what is too long instead.
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


def text_field(label: str, rows: int) -> forms.CharField:
    return CommentText(
        label=label,
        max_length=MAX_TEXT,
        error_messages=TEXT_ERRORS,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class CommentForm(forms.Form):
    """A comment on one of the song's takes, at the playhead (comments.js fills `at` as the
    form is sent) or, with the box unticked, at no time."""

    clip = forms.TypedChoiceField(label="Take", coerce=int)
    text = text_field("Comment", rows=3)
    stamped = forms.BooleanField(label="at the playhead", required=False, initial=True)
    at = forms.FloatField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, clips: list[Clip], **kwargs):
        super().__init__(*args, **kwargs)
        self.takes = {clip.pk: clip for clip in clips}
        cast(forms.ChoiceField, self.fields["clip"]).choices = [
            (clip.pk, f"{clip.take_name} — {clip.title or 'Untitled'}") for clip in clips
        ]
        self.fields["at"].error_messages["min_value"] = "The time cannot be before the start."

    @property
    def take(self) -> Clip:
        return self.takes[self.cleaned_data["clip"]]

    @property
    def at_seconds(self) -> float | None:
        """The time to stamp, rounded to what anyone could hear; None: not about a moment."""
        at = self.cleaned_data.get("at")
        return round(at, 2) if self.cleaned_data.get("stamped") and at is not None else None

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        clip = self.takes.get(cleaned.get("clip", 0))
        at = self.at_seconds
        if clip is not None and at is not None and at > (clip.duration_s or 0):
            self.add_error(
                "at",
                f"{at:.1f} s is past the end of {clip.take_name} "
                f"({duration_text(clip.duration_s or 0)}).",
            )
        return cleaned


class ReplyForm(forms.Form):
    text = text_field("Reply", rows=2)


class EditCommentForm(forms.Form):
    text = text_field("Edit comment", rows=3)
