"""The lyrics assistant: "Write lyrics for me" (POST /music/lyrics, free) as a background draft.

The compose page polls the draft and fills its Lyrics field (and an empty Title) from it.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from studio.enqueue import enqueue
from studio.flowmusic import FlowMusicClient, UpstreamError
from studio.songs import lifecycle
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import LyricsDraft

# Lyrics take seconds; a draft still pending after this long lost its worker.
DRAFT_TIMEOUT = timedelta(minutes=3)
TITLE_MAX = 200
# What the user can do next, when the upstream's message alone does not say it.
ADVICE = {
    ErrorCode.ACCOUNT_ERROR: "Choose Auto or another account, then try again.",
    ErrorCode.UNAUTHORIZED: "Ask an admin; until then no lyrics can be written.",
}


def start_draft(team, author, *, prompt: str, structure: str, account_choice: str) -> LyricsDraft:
    """A pending draft plus its background task, sent once the row is committed."""
    with transaction.atomic():
        draft = LyricsDraft.objects.create(
            team=team,
            author=author,
            prompt=prompt,
            structure=structure,
            account_choice=account_choice,
        )
        transaction.on_commit(lambda: enqueue("write_lyrics", draft.pk))
    return draft


def run_draft(draft_id: int) -> None:
    """Ask for one draft's lyrics; a draft already started or finished is left alone."""
    if not lifecycle.start_side_job(LyricsDraft, draft_id):
        return
    draft = LyricsDraft.objects.get(pk=draft_id)
    try:
        with FlowMusicClient.from_settings() as client:
            written = client.write_lyrics(
                draft.prompt,
                structure=draft.structure or None,
                email=draft.account_choice or None,  # "" = Auto: the API chooses
            )
    except UpstreamError as exc:
        code = ErrorCode.of(exc)
        message = f"{exc.message} {ADVICE[code]}" if code in ADVICE else exc.message
        lifecycle.fail_side_job(LyricsDraft, draft_id, code, message)
        return
    lifecycle.complete_side_job(
        LyricsDraft,
        draft_id,
        lyrics=written.lyrics,
        title=written.title[:TITLE_MAX],
        sound_prompt=written.sound_prompt,
    )


def expire_if_stale(draft: LyricsDraft) -> LyricsDraft:
    """A pending draft whose worker died is shown as failed, so the spinner does not run forever."""
    if draft.is_pending and timezone.now() - draft.created > DRAFT_TIMEOUT:
        message = "Writing the lyrics took too long; try again."
        lifecycle.fail_side_job(LyricsDraft, draft.pk, ErrorCode.STALLED, message)
        draft.refresh_from_db()
    return draft
