from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from studio.teams import throttle


class ThrottledLoginForm(AuthenticationForm):
    """Django's login form, refusing to even check a password once the limit is reached."""

    def clean(self):
        # Cleaned (stripped, NFKC) as the lookup sees it; throttle.py adds casefold().
        username = self.cleaned_data.get("username")
        if username and self.request is not None and throttle.is_locked_out(self.request, username):
            raise forms.ValidationError(throttle.MESSAGE, code="throttled")
        # A failure is counted by axes (user_login_failed); a success clears it (signals.py).
        return super().clean()


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
