"""Form fields the compose forms share: free text counted as the browser counts it, the
account picker, and ids that are checked against the key's range before any query."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Model

from studio.songs.models import UpstreamAccount


def account_label(account: UpstreamAccount) -> str:
    """The option's text; accounts the dispatcher passes over under Auto say so."""
    if account.error:
        return f"{account.email} — error: {account.error}, Auto skips it"
    if account.credits_remaining == 0:
        return f"{account.email} — no credits, Auto skips it"
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

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # No `maxlength`: the browser would cut a long paste silently. The counter shows the
        # limit and run_validators refuses the excess with a message.
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs

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
    """Options carry their account's error, so the page can warn when one in error is picked;
    an account in error or without credits cannot be picked (it would only fail)."""

    def __init__(
        self, *args: Any, errors: dict[str, str] | None = None, empty: frozenset = frozenset(),
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.errors = errors or {}
        self.empty = empty

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.errors:
            option["attrs"]["data-error"] = self.errors[str(value)]
        if str(value) in self.errors or str(value) in self.empty:
            option["attrs"]["disabled"] = True
        return option


def account_field(accounts: Sequence[UpstreamAccount]) -> forms.ChoiceField:
    """Auto, or one of the accounts Flow Music listed."""
    return forms.ChoiceField(
        label="Account",
        required=False,
        choices=[("", "Auto")] + [(a.email, account_label(a)) for a in accounts],
        widget=AccountSelect(
            errors={a.email: a.error for a in accounts if a.error},
            empty=frozenset(a.email for a in accounts if a.credits_remaining == 0),
        ),
        error_messages={"invalid_choice": "Choose Auto or one of the listed accounts."},
    )


def parse_id(value: Any, model: type[Model]) -> int | None:
    """`value` as a primary key of `model`, or None when it cannot be one.

    Only ASCII digits ("²" and "٣" are digits to str.isdigit) and only 1 up to the largest value
    the key's column holds: a bigger number reaches the database driver, which raises
    OverflowError (a 500) instead of finding nothing. The documented ranges are used, not the
    backend's: SQLite would accept 64-bit values in an AutoField that PostgreSQL would not.
    """
    text = str(value)
    if not text or len(text) > 20 or not (text.isascii() and text.isdigit()):
        return None
    kind = model._meta.pk.get_internal_type()  # type: ignore[union-attr]
    largest = BaseDatabaseOperations.integer_field_ranges[kind][1]
    number = int(text)
    return number if 1 <= number <= largest else None


class IdChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that refuses ids outside the key's range as it refuses unknown ones."""

    def to_python(self, value: Any) -> Any:
        model = self.queryset.model  # type: ignore[union-attr]
        typed = value not in self.empty_values and not isinstance(value, model)
        if typed and parse_id(value, model) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class OrderedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Team-scoped ids, returned as objects in the order they were sent (refImage2, 3, ...)."""

    widget = forms.MultipleHiddenInput

    def clean(self, value: Any) -> list[Any]:  # type: ignore[override]
        model = self.queryset.model  # type: ignore[union-attr]
        for key in value if isinstance(value, list | tuple) else []:
            if parse_id(key, model) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": key},
                )
        found = {str(obj.pk): obj for obj in super().clean(value)}
        ordered: list[Any] = []
        for key in value or []:
            obj = found.get(str(key))
            if obj is not None and obj not in ordered:
                ordered.append(obj)
        return ordered
