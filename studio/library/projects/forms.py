"""The projects' forms: a project's name and description, adding a take, moving one."""

from __future__ import annotations

from django import forms

from studio.together.models import Project


class ProjectForm(forms.ModelForm):
    """New project, and Rename."""

    class Meta:
        model = Project
        fields = ["name", "description"]
        labels = {"name": "Name", "description": "Description (optional)"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class AddToProjectForm(forms.Form):
    """One of the team's projects (its id), or the name of a new one to make and add to."""

    project = forms.IntegerField(required=False, min_value=1)
    name = forms.CharField(label="New project", required=False, max_length=120)

    def clean(self):
        cleaned = super().clean() or {}
        if not cleaned.get("project") and not cleaned.get("name") and not self.errors:
            raise forms.ValidationError("Choose a project, or give the new one a name.")
        return cleaned


class MoveForm(forms.Form):
    """Move up / Move down (a keyboard, a page without JavaScript), or to a place (a drag)."""

    direction = forms.ChoiceField(required=False, choices=[("up", "up"), ("down", "down")])
    to = forms.IntegerField(required=False, min_value=1)

    def clean(self):
        cleaned = super().clean() or {}
        if not cleaned.get("direction") and cleaned.get("to") is None and not self.errors:
            raise forms.ValidationError("Say where the take goes.")
        return cleaned
