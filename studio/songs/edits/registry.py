"""Every edit form of a take, by operation, in the order the song page shows them."""

from __future__ import annotations

from studio.songs.edits.effects import EffectForm
from studio.songs.edits.forms import CoverForm, EditForm, ExtendForm, RemixForm, ReplaceForm

FORMS: dict[str, type[EditForm]] = {
    form.operation: form for form in (ExtendForm, ReplaceForm, CoverForm, RemixForm, EffectForm)
}
