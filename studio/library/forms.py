from __future__ import annotations

from django import forms


class SearchInput(forms.TextInput):
    input_type = "search"


class LibraryFilterForm(forms.Form):
    """The library's GET form: search and filters; invalid values are simply ignored."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=SearchInput(attrs={"placeholder": "Prompt, title or lyrics"}),
    )
    who = forms.ChoiceField(
        label="Whose songs",
        required=False,
        choices=[("", "Whole team"), ("mine", "Mine")],
    )
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "All"), ("vocal", "Vocal"), ("instrumental", "Instrumental")],
    )
    picks = forms.BooleanField(label="Picks only", required=False)
    originals = forms.BooleanField(label="Originals only", required=False)

    def filters(self) -> dict:
        """The cleaned values, or no filtering at all when the query string is nonsense."""
        if not self.is_valid():
            return {"q": "", "who": "", "kind": "", "picks": False, "originals": False}
        data = dict(self.cleaned_data)
        data["q"] = data["q"].strip()
        return data


class ClipTitleForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)

    def clean_title(self) -> str:
        # One line, no stray whitespace: it becomes file names and the LRC header.
        return " ".join(self.cleaned_data["title"].split())
