from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from studio.teams import throttle


class ThrottledLoginForm(AuthenticationForm):
    """Django's login form, refusing to even check a password once the limit is reached."""

    def clean(self):
        username = self.data.get("username", "")
        ip = throttle.client_ip(self.request) if self.request else None
        if throttle.is_blocked(username, ip):
            raise forms.ValidationError(throttle.MESSAGE, code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_failure(username, ip)
            raise
        throttle.forget(username)
        return cleaned


class SignUpForm(UserCreationForm):
    email = forms.EmailField(required=False, help_text="Optional; for password resets by an admin.")

    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]
        model = get_user_model()
        fields = ("username", "email")


class FirstAccountForm(SignUpForm):
    team_name = forms.CharField(
        max_length=100,
        initial="Studio",
        label="Team name",
        help_text="Your team; invite the others from the Team page.",
    )
