from __future__ import annotations

from django import forms

from studio.together.shares import Expiry


class ShareLinkForm(forms.Form):
    """The song page's "Create share link": how long it lives, and whether it offers files."""

    expiry = forms.ChoiceField(label="Expires after", choices=Expiry.choices, initial=Expiry.WEEK)
    allow_download = forms.BooleanField(label="Allow downloads", required=False)

    def __init__(self, *args, **kwargs):
        # Ids of their own: the song page holds many forms.
        kwargs.setdefault("auto_id", "share-%s")
        super().__init__(*args, **kwargs)
