"""django-q2 entry points, and nothing else: each takes an id, re-reads its row and is a no-op
when there is nothing left to do. Their dotted paths are stored in queued tasks and the
schedule, so they keep these names; the work lives in pipeline/ and compose/."""

from __future__ import annotations

from studio.enqueue import enqueue
from studio.flowmusic import FlowMusicClient
from studio.songs.compose import covers, lyrics
from studio.songs.models import Generation
from studio.songs.pipeline import dispatch, reconciler, stems, tracking
from studio.songs.pipeline import ingest as media

Status = Generation.Status


def submit_generation(generation_id: int) -> None:
    """Submit queued songs in order; this one goes when its account has a free slot."""
    if not Generation.objects.filter(pk=generation_id, status=Status.QUEUED).exists():
        return
    with FlowMusicClient.from_settings() as client:
        dispatch.dispatch(client)


def check_job(generation_id: int) -> None:
    """Look at one job now (a webhook said so); if it completed, its files are next."""
    with FlowMusicClient.from_settings() as client:
        if tracking.look_now(client, generation_id) == Status.FETCHING:
            enqueue("ingest", generation_id)
            dispatch.dispatch(client)  # its slot is free as soon as the job is done


def ingest(generation_id: int) -> None:
    """Copy a completed job's files into our storage (on the ingest cluster)."""
    with FlowMusicClient.from_settings() as client:
        media.store_files(client, generation_id)


def make_stems(generation_id: int) -> None:
    """The synchronous stems call of a claimed stems generation, then its files."""
    stems.make_stems(generation_id)


def reconcile() -> None:
    """The reconciler loop (scheduled every minute; it hands over to itself)."""
    reconciler.run()


def generate_cover_art(job_id: int) -> None:
    covers.run_job(job_id)


def write_lyrics(draft_id: int) -> None:
    """ "Write lyrics for me": one POST /music/lyrics for a pending draft."""
    lyrics.run_draft(draft_id)
