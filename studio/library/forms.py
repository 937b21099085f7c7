from __future__ import annotations

from typing import cast

from django import forms

from studio.songs.pipeline.analysis import KEYS, MODES

TEMPO_MIN, TEMPO_MAX = 40, 240  # BPM
UNFILTERED = {
    "q": "",
    "who": "",
    "kind": "",
    "picks": False,
    "liked": False,
    "originals": False,
    "tempo_from": None,
    "tempo_to": None,
    "key": "",
    "sort": "",
}
MINE = "mine"
MOST_LIKED = "liked"
BEST_MATCH = "best"  # a search's songs by how well they match (library/ranking.py)


class SearchInput(forms.TextInput):
    input_type = "search"


def tempo_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=TEMPO_MIN,
        max_value=TEMPO_MAX,
        widget=forms.NumberInput(attrs={"placeholder": "BPM", "step": 1}),
    )


class LibraryFilterForm(forms.Form):
    """The library's GET form: search, filters and order; invalid values are simply ignored.

    `members` are the team's other members, one choice each under Whose songs (by id): an id
    of anyone else is not a choice, so it is ignored like any other nonsense.
    """

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=SearchInput(attrs={"placeholder": "Prompt, title or lyrics"}),
    )
    WHO = [("", "Whole team"), (MINE, "Mine")]  # then each teammate, by user id
    who = forms.ChoiceField(label="Whose songs", required=False, choices=WHO)
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "All"), ("vocal", "Vocal"), ("instrumental", "Instrumental")],
    )
    picks = forms.BooleanField(label="Picks only", required=False)
    liked = forms.BooleanField(label="Liked", required=False)  # takes I liked
    originals = forms.BooleanField(label="Originals only", required=False)
    # A song matches when one of its takes is within the range and in the key (analysis.py).
    tempo_from = tempo_field("Tempo from")
    tempo_to = tempo_field("Tempo to")
    key = forms.ChoiceField(
        label="Key",
        required=False,
        choices=[
            ("", "Any"),
            *((mode.title(), [(k, k) for k in KEYS if k.endswith(mode)]) for mode in MODES),
        ],
    )
    sort = forms.ChoiceField(
        label="Sort",
        required=False,
        choices=[("", "Newest"), (MOST_LIKED, "Most liked"), (BEST_MATCH, "Best match")],
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        who = cast(forms.ChoiceField, self.fields["who"])
        who.choices = [
            *self.WHO,
            *((str(member.pk), member.get_username()) for member in members),
        ]

    def filters(self) -> dict:
        """The cleaned values, or no filtering at all when the query string is nonsense."""
        if not self.is_valid():
            return dict(UNFILTERED)
        data = dict(self.cleaned_data)
        data["q"] = data["q"].strip()
        low, high = data["tempo_from"], data["tempo_to"]
        if low is not None and high is not None and low > high:
            data["tempo_from"], data["tempo_to"] = high, low  # what was meant
        return data


class ClipTitleForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)

    def clean_title(self) -> str:
        # One line, no stray whitespace: it becomes file names and the LRC header.
        return " ".join(self.cleaned_data["title"].split())


class LikeForm(forms.Form):
    """Like a take ("true") or not ("false"): the state wanted, not a toggle."""

    like = forms.TypedChoiceField(
        choices=[("true", "Like"), ("false", "Unlike")], coerce=lambda value: value == "true"
    )
