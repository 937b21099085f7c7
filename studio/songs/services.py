"""What the pages do to generations: create, cancel, retry (views stay thin)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from studio.flowmusic import FlowMusicClient, NotFound, UpstreamError
from studio.songs import tasks
from studio.songs.models import Generation

S = Generation.Status
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
)


class NotAllowed(Exception):
    """The action does not apply to the song in its current state (the message says why)."""


def create_generation(**fields) -> Generation:
    """A queued generation plus the task that will submit it once the row is committed."""
    with transaction.atomic():
        generation = Generation.objects.create(status=S.QUEUED, **fields)
        transaction.on_commit(lambda: tasks.enqueue("submit_generation", generation.pk))
    return generation


def retry(generation: Generation, author) -> Generation:
    """A fresh, deliberate submission with the same settings (the old row stays as it was)."""
    if generation.status not in (S.FAILED, S.UNKNOWN, S.CANCELED):
        raise NotAllowed("Only failed, canceled or unknown songs can be retried.")
    fields = {name: getattr(generation, name) for name in COPIED_FIELDS}
    fields["author"] = author
    return create_generation(retried_from=generation, **fields)


def cancel(generation: Generation) -> str:
    """Cancel a queued song (never sent) or a running one (DELETE /jobs); returns a message."""
    now = timezone.now()
    if Generation.objects.filter(pk=generation.pk, status=S.QUEUED).update(
        status=S.CANCELED, finished=now, error_message="Canceled before it was sent."
    ):
        return "Canceled. Nothing was sent to Flow Music, so no credits were spent."
    if generation.status != S.RUNNING or not generation.jobid:
        raise NotAllowed("This song can no longer be canceled.")
    with FlowMusicClient.from_settings() as client:
        try:
            client.cancel_job(generation.jobid)
        except NotFound:
            pass
        except UpstreamError as exc:
            raise NotAllowed(exc.message) from exc
    Generation.objects.filter(pk=generation.pk, status=S.RUNNING).update(
        status=S.CANCELED,
        finished=now,
        next_poll=None,
        error_message="Canceled while generating; Flow Music may still charge its credits.",
    )
    return "Canceled. Flow Music had already started it, so its credits may still be spent."
