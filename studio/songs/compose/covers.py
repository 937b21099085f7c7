"""Cover art: generate (Flow Music or rsflowhub, in the background), upload, and make usable.

Every image we keep is a CoverArt row with our own copy of the file. Its `asset_id` is the Flow
Music reference id (refImageN) on `account_email`; rsflowhub images get one when first used.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from studio.enqueue import enqueue
from studio.flowmusic import FlowMusicClient, UpstreamError
from studio.rsflowhub import RsflowhubClient
from studio.songs import filecheck, lifecycle
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import AccountAsset, CoverArt, CoverArtJob
from studio.songs.pipeline import media_files
from studio.upstream.download import DownloadFailed, media_client

log = logging.getLogger(__name__)
Provider = CoverArt.Provider

# A job still pending after this long lost its worker: say so instead of spinning forever.
JOB_TIMEOUT = timedelta(minutes=5)
STYLES = [
    ("photorealistic", "Photorealistic"),
    ("illustration", "Illustration"),
    ("3d_render", "3D render"),
]
SIZES = [
    ("1024x1024", "Square (1024×1024)"),
    ("1024x1792", "Portrait (1024×1792)"),
    ("1792x1024", "Landscape (1792×1024)"),
]


def rsflowhub_enabled() -> bool:
    return bool(settings.RSFLOWHUB_API_KEY)


def start_job(team, author, **fields) -> CoverArtJob:
    """A pending job plus its background task, sent once the row is committed."""
    with transaction.atomic():
        job = CoverArtJob.objects.create(team=team, author=author, **fields)
        transaction.on_commit(lambda: enqueue("generate_cover_art", job.pk))
    return job


def run_job(job_id: int) -> None:
    """Generate and store the images of one job; a started or finished job is left alone."""
    if not lifecycle.start_side_job(CoverArtJob, job_id):
        return
    job = CoverArtJob.objects.get(pk=job_id)
    try:
        if job.provider == Provider.RSFLOWHUB:
            covers, credits, problem = _generate_rsflowhub(job)
        else:
            covers, credits, problem = _generate_flowmusic(job), None, ""
    except UpstreamError as exc:
        lifecycle.fail_side_job(CoverArtJob, job_id, ErrorCode.of(exc), exc.message)
        return
    except (DownloadFailed, filecheck.Rejected) as exc:
        message = f"The generated image could not be stored: {exc}"
        lifecycle.fail_side_job(CoverArtJob, job_id, ErrorCode.DOWNLOAD, message)
        return
    if not covers:
        message = problem or "No image came back; try again."
        lifecycle.fail_side_job(CoverArtJob, job_id, ErrorCode.EMPTY, message)
        return
    lifecycle.complete_side_job(
        CoverArtJob,
        job_id,
        cover_ids=[cover.pk for cover in covers],
        credits_used=credits,
        error_message=problem,
    )


def expire_if_stale(job: CoverArtJob) -> CoverArtJob:
    """A pending job whose worker died is shown as failed, so the spinner does not run forever."""
    if job.is_pending and timezone.now() - job.created > JOB_TIMEOUT:
        message = "Cover art generation took too long; try again."
        lifecycle.fail_side_job(CoverArtJob, job.pk, ErrorCode.STALLED, message)
        job.refresh_from_db()
    return job


def _generate_flowmusic(job: CoverArtJob) -> list[CoverArt]:
    with FlowMusicClient.from_settings() as client:
        asset = client.generate_image(job.prompt, email=job.account_choice or None)
    path = _download(asset.url)
    cover = _store(
        job,
        path,
        provider=Provider.FLOWMUSIC,
        asset_id=asset.id,
        account_email=asset.email or job.account_choice,
    )
    return [cover]


def _generate_rsflowhub(job: CoverArtJob) -> tuple[list[CoverArt], int | None, str]:
    with RsflowhubClient.from_settings() as client:
        batch = client.generate_images(
            job.prompt, style=job.style or None, size=job.size or None, n=job.count
        )
    covers: list[CoverArt] = []
    lost = 0
    # Credits are spent already: keep every image that arrives, even if another does not.
    for url in batch.images:
        try:
            covers.append(_store(job, _download(url), provider=Provider.RSFLOWHUB))
        except (DownloadFailed, filecheck.Rejected) as exc:
            log.warning("rsflowhub image of job %s not stored: %s", job.pk, exc)
            lost += 1
    problem = ""
    if lost:
        problem = f"{lost} of {len(batch.images)} generated images could not be downloaded."
    return covers, batch.credits_used, problem


def _download(url: str) -> Path:
    with media_client() as http:
        return media_files.fetch(http, url, "image")


def _store(job: CoverArtJob, path: Path, **fields) -> CoverArt:
    """Check the downloaded bytes are a real image, then keep them with their row."""
    try:
        with open(path, "rb") as handle:
            info = filecheck.check_image(handle)
            cover = CoverArt(
                team=job.team,
                author=job.author,
                prompt=job.prompt,
                content_type=info.content_type,
                width=info.width,
                height=info.height,
                **fields,
            )
            cover.image.save(f"{uuid.uuid4().hex}{info.extension}", File(handle), save=True)
    finally:
        path.unlink(missing_ok=True)
    return cover


def store_upload(
    team, author, handle: IO[bytes], info: filecheck.ImageInfo, *, account_choice: str = ""
) -> CoverArt:
    """Send a checked image to Flow Music (POST /files) and keep it; nothing is kept on error."""
    with FlowMusicClient.from_settings() as client:
        asset = client.upload_file(handle, info.content_type, email=account_choice or None)
    handle.seek(0)
    cover = CoverArt(
        team=team,
        author=author,
        provider=Provider.UPLOAD,
        asset_id=asset.id,
        account_email=asset.email or account_choice,
        content_type=info.content_type,
        width=info.width,
        height=info.height,
    )
    cover.image.save(f"{uuid.uuid4().hex}{info.extension}", File(handle), save=True)
    return cover


def ensure_asset(cover: CoverArt, account_choice: str = "") -> tuple[str, str]:
    """(asset id, account) for using `cover` as refImage1 on the chosen account (or any, under
    Auto), uploading our copy through POST /files when it has none there yet."""
    if cover.asset_id and (not account_choice or cover.account_email == account_choice):
        return cover.asset_id, cover.account_email
    if account_choice:
        known = AccountAsset.objects.filter(cover_art=cover, account_email=account_choice).first()
        if known:
            return known.asset_id, account_choice
    with FlowMusicClient.from_settings() as client, cover.image.open("rb") as handle:
        asset = client.upload_file(handle, cover.content_type, email=account_choice or None)
    email = asset.email or account_choice
    if not cover.asset_id:
        # Its first Flow Music id: the song pipeline prefers this account under Auto.
        CoverArt.objects.filter(pk=cover.pk, asset_id="").update(
            asset_id=asset.id, account_email=email
        )
        cover.refresh_from_db()
        if cover.asset_id == asset.id:
            return asset.id, email
    AccountAsset.objects.get_or_create(
        cover_art=cover, account_email=email, defaults={"asset_id": asset.id}
    )
    return asset.id, email
