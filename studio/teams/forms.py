from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm


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
