"""What the pages do to generations: create, cancel, retry (views stay thin)."""

from __future__ import annotations

from django.db import transaction

from studio.enqueue import enqueue
from studio.flowmusic import FlowMusicClient, NotFound, UpstreamError
from studio.songs import lifecycle
from studio.songs.models import Generation

Status = Generation.Status
COPIED_FIELDS = (
    "team",
    "author",
    "prompt",
    "lyrics",
    "instrumental",
    "ghostwriter",
    "cover_art",
    "extra_image_ids",
    "reference_audio_ids",
    "account_choice",
    "title",
    "model",
    "operation",
    "source_clip",
    "origin",
    "instruction",
    "options",
    "seed",
)
# Failed on its account: Auto may find one with credits (an edit must stay on its take's).
ACCOUNT_FAILURES = (lifecycle.ErrorCode.NO_CREDITS, lifecycle.ErrorCode.ACCOUNT_ERROR)


class NotAllowed(Exception):
    """The action does not apply to the song in its current state (the message says why)."""


def create_generation(**fields) -> Generation:
    """A queued generation plus the task that will submit it once the row is committed."""
    with transaction.atomic():
        generation = lifecycle.create(**fields)
        transaction.on_commit(lambda: enqueue("submit_generation", generation.pk))
    return generation


def retry(generation: Generation, author) -> Generation:
    """A fresh, deliberate submission with the same settings (the old row stays as it was)."""
    if generation.error_code == lifecycle.ErrorCode.MODERATED:
        raise NotAllowed("The model declined this prompt: use these settings again and change it.")
    if not lifecycle.can_retry(generation):
        raise NotAllowed("Only failed, canceled or unknown songs can be retried.")
    fields = {name: getattr(generation, name) for name in COPIED_FIELDS}
    fields["author"] = author
    if generation.error_code in ACCOUNT_FAILURES and not generation.is_edit:
        fields["account_choice"] = ""
    return create_generation(retried_from=generation, **fields)


def cancel(generation: Generation) -> str:
    """Cancel a queued song (never sent) or a running one (DELETE /jobs); returns a message."""
    if lifecycle.cancel(generation.pk, "Canceled before it was sent.", only_from=Status.QUEUED):
        return "Canceled. Nothing was sent to Flow Music, so no credits were spent."
    if generation.status != Status.RUNNING or not generation.jobid:
        raise NotAllowed("This song can no longer be canceled.")
    with FlowMusicClient.from_settings() as client:
        try:
            client.cancel_job(generation.jobid)
        except NotFound:
            pass
        except UpstreamError as exc:
            raise NotAllowed(exc.message) from exc
    lifecycle.cancel(
        generation.pk,
        "Canceled while generating; Flow Music may still charge its credits.",
        only_from=Status.RUNNING,
    )
    return "Canceled. Flow Music had already started it, so its credits may still be spent."
