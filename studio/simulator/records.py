"""The documented job record (``GET /jobs/{jobid}``, sync answers, webhooks) and its clips."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from studio.simulator import edits, stems
from studio.simulator.media import ClipMedia, MediaStore
from studio.simulator.models import SimJob, iso

#: ``media_url(kind, file name)``: a signed URL for a file of the media store.
MediaUrl = Callable[[str, str], str]


def job_record(job: SimJob, store: MediaStore, media_url: MediaUrl) -> dict:
    """The job as upstream reports it; renders the clips (once) when the job is completed."""
    status = job.status()
    record: dict[str, Any] = {
        "jobid": job.jobid,
        "email": job.email,
        "status": status,
        "created_at": iso(job.created),
    }
    if job.operation:
        record["operation"] = job.operation
    if status != "pending":
        if job.error:
            record["error"] = dict(job.error)
        else:
            slots = range(len(job.clips))
            with ThreadPoolExecutor(len(job.clips)) as pool:  # render the takes side by side
                clips = pool.map(lambda slot: clip_record(job, slot, store, media_url), slots)
                record["clips"] = list(clips)
            job.rendered_at = job.rendered_at or time.time()
        record["completed_at"] = iso(job.finished_at)
        record["duration_ms"] = round((job.finished_at - job.created) * 1000)
    record["request"] = job.request
    return record


def clip_media(job: SimJob, slot: int, store: MediaStore) -> ClipMedia:
    """The media of a job's clip number ``slot``: a song's own render, or an edit of its source
    clip's media (rendered first, so chains of edits work)."""
    seed = job.seed + slot
    if job.edit is None:
        lyrics = job.request.get("lyrics") or None
        instrumental = bool(job.request.get("instrumental"))
        return store.render_clip(
            job.request["prompt"], lyrics=lyrics, instrumental=instrumental, seed=seed
        )
    source = clip_media(job.edit.source, job.edit.slot, store)
    title = job.request.get("title")  # not part of the render: it only names the clip
    if job.edit.operation == "stems":
        return stems.titled(stems.render_stem(store, source, slot), title, slot)
    rendered = edits.render_edit(store, job.edit, source, edits.job_prompt(job), seed)
    return replace(rendered, title=title) if title else rendered


def clip_record(job: SimJob, slot: int, store: MediaStore, media_url: MediaUrl) -> dict:
    seed = job.seed + slot
    rendered = clip_media(job, slot, store)
    return {
        "clip": job.clips[slot],
        "title": rendered.title,
        "duration_s": rendered.duration_s,
        "lyrics": rendered.lyrics,
        "seed": seed,
        "lyrics_timing": rendered.lyrics_timing,
        "created_at": iso(job.ready_at - min(1.0, (job.ready_at - job.created) / 2)),
        "audio_url": media_url("audio", rendered.audio),
        "wav_url": media_url("wav", rendered.wav),
        "image_url": media_url("image", rendered.image),
    }
