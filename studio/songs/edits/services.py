"""Making an edit of a take: a new Generation in the versions tree of the take's song."""

from __future__ import annotations

from studio.songs import services
from studio.songs.edits.forms import EditForm
from studio.songs.models import Clip, Generation

Operation = Generation.Operation
# How a version names what it was made from: "Extended from “Night Drive” (take A)".
MADE_FROM: dict[str, str] = {
    Operation.EXTEND: "Extended from {source}",
    Operation.REPLACE: "Section replaced in {source}",
    Operation.COVER: "Cover of {source}",
    Operation.REMIX: "Remix of {source}",
    Operation.EFFECT: "{effect} on {source}",
    Operation.STEMS: "Stems of {source}",
}


def _from_take(clip: Clip, author, operation: str, **fields) -> Generation:
    """A new generation made from `clip`, queued on the take's own account (the upstream takes
    no `email` for edits: the clip's account runs it and counts it in its maxJobs)."""
    source = clip.generation
    defaults = {
        "team": source.team,
        "author": author,
        "operation": operation,
        "source_clip": clip,
        "origin_id": source.origin_id or source.pk,
        "account_choice": source.account_email,
        "prompt": source.prompt,  # shown and searched like a song's
        "instrumental": source.instrumental,
        "model": source.model,
        "cover_art": source.cover_art,
    }
    return services.create_generation(**{**defaults, **fields})


def create_edit(form: EditForm, author) -> Generation:
    """Queue the edit `form` describes."""
    fields = form.edit_fields()
    extra: dict[str, object] = {}
    if form.operation == Operation.REMIX:  # new words, so a vocal; maybe a new prompt
        extra["instrumental"] = False
        extra["prompt"] = fields["options"].get("prompt") or form.clip.generation.prompt
    return _from_take(form.clip, author, form.operation, **fields, **extra)


def _lower_name(clip: Clip) -> str:
    """ "take A", or "drums stem", inside a sentence."""
    name = clip.take_name
    return name[:1].lower() + name[1:]


def made_from(generation: Generation) -> str:
    """ "Extended from “Night Drive” (take A)", or "" for a song."""
    if not generation.is_edit:
        return ""
    clip: Clip | None = generation.source_clip
    source = f"“{clip.title or 'Untitled'}” ({_lower_name(clip)})" if clip else "a removed take"
    template = MADE_FROM.get(generation.operation, "Made from {source}")
    effect = str(generation.options.get("effect") or "Effect")
    return template.format(source=source, effect=effect)


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


def create_stems(clip: Clip, author) -> tuple[Generation, bool]:
    """The stems of a take: those made or being made already (the upstream would answer the
    same four anyway), else a new stems job; whether it is new."""
    Status = Generation.Status
    existing = (
        Generation.objects.filter(source_clip=clip, operation=Operation.STEMS)
        .exclude(status__in=(Status.FAILED, Status.CANCELED, Status.UNKNOWN))
        .order_by("-pk")
        .first()
    )
    if existing is not None:
        return existing, False
    return _from_take(clip, author, Operation.STEMS), True
