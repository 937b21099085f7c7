"""Making an edit of a take: a new Generation in the versions tree of the take's song."""

from __future__ import annotations

from studio.songs import services
from studio.songs.edits.forms import EditForm
from studio.songs.models import Clip, Generation

Operation = Generation.Operation
PAST: dict[str, str] = {
    Operation.EXTEND: "Extended",
    Operation.REPLACE: "Section replaced",
    Operation.COVER: "Cover",
    Operation.REMIX: "Remix",
    Operation.EFFECT: "Effect",
    Operation.STEMS: "Stems",
}


def create_edit(form: EditForm, author) -> Generation:
    """Queue the edit `form` describes; it runs on the source take's own account (the upstream
    takes no `email` for edits: the clip's account runs it and counts it in its maxJobs)."""
    clip = form.clip
    source = clip.generation
    fields = form.edit_fields()
    new_prompt = fields["options"].get("prompt")
    return services.create_generation(
        team=source.team,
        author=author,
        operation=form.operation,
        source_clip=clip,
        origin_id=source.origin_id or source.pk,
        account_choice=source.account_email,
        # Shown and searched like a song's; a remix's new prompt replaces it.
        prompt=new_prompt or source.prompt,
        instrumental=source.instrumental and form.operation != Operation.REMIX,
        model=source.model,
        cover_art=source.cover_art,
        **fields,
    )


def made_from(generation: Generation) -> str:
    """ "Extended from “Night Drive” (take A)", or "" for a song."""
    clip: Clip | None = generation.source_clip
    if not generation.is_edit:
        return ""
    verb = PAST.get(generation.operation, generation.get_operation_display())
    if clip is None:
        return f"{verb} from a take that was removed"
    return f"{verb} from “{clip.title or 'Untitled'}” (take {clip.slot})"


def lineage(generation: Generation) -> dict | None:
    """What an edit was made from, for its downloads (request.json); None for a song."""
    if not generation.is_edit:
        return None
    clip = generation.source_clip
    return {
        "operation": generation.operation,
        "source_generation": clip.generation_id if clip else None,
        "source_clip": clip.clip_id if clip else None,
        "source_take": clip.slot if clip else None,
        "source_title": clip.title if clip else None,
        "instruction": generation.instruction,
        "options": generation.options,
        "seed": generation.seed,
        "origin": generation.origin_id,
    }
