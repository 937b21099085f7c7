"""No lost job, no double submission: crashes, webhooks, expired links (DESIGN §5.1, §5.2, §5.7)."""

from __future__ import annotations

import hashlib
import io
import time
from datetime import timedelta
from unittest import mock

import httpx
import pytest
from django.utils import timezone

from studio.flowmusic import FlowMusicClient
from studio.songs import tasks
from studio.songs.models import Clip, CoverArt, Generation, Lease
from studio.songs.pipeline import ingest as ingestion
from studio.songs.pipeline import leases, media_files, reconciler, recovery, tracking
from tests.pipeline import Status, accepted_refs, drive, settled, song
from tests.workers import kill_when, start_worker

pytestmark = pytest.mark.usefixtures("pipeline")


def _queued(team, owner, **fields) -> Generation:
    """A queued generation with no task enqueued: the test decides who works on it."""
    return Generation.objects.create(
        team=team, author=owner, prompt="dream pop, 90 bpm, female vocals", **fields
    )


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_worker_killed_between_sending_and_storing_the_jobid(team, owner, simulator, tmp_path):
    simulator.state.latency = 4.0
    simulator.state.inject("POST /music", "accept_then_timeout", delay=20)
    generation = _queued(team, owner)
    worker = start_worker(
        f"from studio.songs.tasks import submit_generation; submit_generation({generation.pk})",
        simulator,
        tmp_path,
    )
    # The upstream has accepted the song; the worker dies before it hears the jobid.
    kill_when(worker, lambda: simulator.state.jobs())
    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTING and generation.jobid is None
    # Time passes; a restarted worker reconciles from the database alone.
    Generation.objects.filter(pk=generation.pk).update(
        submit_started=generation.submit_started - recovery.STALE_SUBMIT
    )
    drive(lambda: Generation.objects.get(pk=generation.pk).status == Status.COMPLETED)
    # One POST /music in all, and the job it created is the one we finished.
    assert len([r for r in simulator.state.requests if r.route == "POST /music"]) == 1
    generation.refresh_from_db()
    assert [job.jobid for job in simulator.state.jobs()] == [generation.jobid]


def test_worker_restarted_mid_download_completes_with_identical_files(
    team, owner, simulator, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"  # the same storage as the worker's data dir
    generation = song(team, owner)
    with FlowMusicClient.from_settings() as client:  # completed upstream, files not fetched
        while tracking.look_now(client, generation.pk) == Status.RUNNING:
            time.sleep(0.05)
    assert Generation.objects.get(pk=generation.pk).status == Status.FETCHING
    simulator.state.inject("GET /media", "timeout", delay=20)
    worker = start_worker(
        f"from studio.songs.tasks import ingest; ingest({generation.pk})", simulator, tmp_path
    )
    kill_when(
        worker, lambda: any(r.route == "GET /media" and r.fault for r in simulator.state.requests)
    )
    assert Generation.objects.get(pk=generation.pk).status == Status.FETCHING
    simulator.state.faults.clear()
    # Time passes: the killed worker's hold on the song runs out.
    Lease.objects.filter(name=f"store-files-{generation.pk}").update(expires=timezone.now())
    tasks.ingest(generation.pk)  # the restarted worker
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED
    with httpx.Client() as http:
        for clip in generation.clips.all():
            for field, url in (
                ("wav", clip.wav_url),
                ("audio", clip.audio_url),
                ("image", clip.image_url),
            ):
                upstream = http.get(url).content
                with getattr(clip, field).open("rb") as stored:
                    ours = stored.read()
                assert (len(ours), _sha(ours)) == (len(upstream), _sha(upstream)), field
    # The killed worker's partial files were never stored, and are swept once stale.
    stored = {getattr(c, f).name for c in generation.clips.all() for f in ("wav", "audio", "image")}
    assert not any(name.endswith(".part") for name in stored)
    ingestion.sweep_partials(older_than=timedelta(0))
    assert not list((tmp_path / "media" / "tmp").glob("*.part"))


def test_a_song_being_stored_is_left_to_the_worker_storing_it(team, owner, simulator):
    """A second download of the same song (restarted while the first waited in the queue)
    would store each file again beside the first's copy."""
    generation = song(team, owner)
    with FlowMusicClient.from_settings() as client:
        while tracking.look_now(client, generation.pk) == Status.RUNNING:
            time.sleep(0.05)
    lease = f"store-files-{generation.pk}"
    assert leases.take(lease, "the first worker", tracking.FETCH_LEASE)
    tasks.ingest(generation.pk)  # the second worker
    generation.refresh_from_db()
    assert generation.status == Status.FETCHING and generation.fetch_attempts == 0
    assert not any(r.route == "GET /media" for r in simulator.state.requests)
    assert not any(c.audio or c.wav or c.image for c in generation.clips.all())

    leases.release(lease, "the first worker")  # it stopped without finishing
    tasks.ingest(generation.pk)
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED
    assert all(c.audio and c.wav and c.image for c in generation.clips.all())
    assert not Lease.objects.filter(name=lease).exists()  # dropped once done with


def test_polling_finishes_a_job_whose_webhook_never_comes(
    team, owner, simulator, live_server, settings
):
    settings.PUBLIC_URL = live_server.url
    simulator.state.webhooks_enabled = False
    generation = song(team, owner)
    generation.refresh_from_db()
    assert generation.request["replyUrl"].startswith(live_server.url + "/hooks/flowmusic/")
    drive(settled)
    assert Generation.objects.get(pk=generation.pk).status == Status.COMPLETED
    assert simulator.state.webhook_log == []


def test_a_webhook_delivered_twice_gives_one_set_of_clips(
    team, owner, simulator, live_server, settings
):
    settings.PUBLIC_URL = live_server.url
    simulator.state.webhook_repeat = 2
    generation = song(team, owner)
    # No reconciler here: only the webhook moves it along.
    deadline = timezone.now() + timedelta(seconds=30)
    while Generation.objects.get(pk=generation.pk).status != Status.COMPLETED:
        assert timezone.now() < deadline, Generation.objects.get(pk=generation.pk).status
        time.sleep(0.05)
    while len([a for a in simulator.state.webhook_log if a.status == 200]) < 2:
        assert timezone.now() < deadline, simulator.state.webhook_log
        time.sleep(0.05)
    assert Clip.objects.filter(generation=generation).count() == 2
    assert accepted_refs(simulator.state) == [str(generation.pk)]


def test_media_is_ours_after_the_upstream_links_expire(team, owner, simulator, owner_client):
    simulator.state.media_ttl = 1.0
    generation = song(team, owner)
    drive(settled)
    clip = Generation.objects.get(pk=generation.pk).clips.get(slot="A")
    deadline = timezone.now() + timedelta(seconds=10)
    while httpx.get(clip.wav_url).status_code != 403:
        assert timezone.now() < deadline, "the simulator's links did not expire"
    for kind, field in (("wav", "wav"), ("m4a", "audio"), ("image", "image")):
        response = owner_client.get(f"/clips/{clip.pk}/{kind}")
        assert response.status_code == 200, kind
        with getattr(clip, field).open("rb") as stored:
            assert b"".join(response.streaming_content) == stored.read()


def test_references_on_another_account_are_uploaded_there_first(team, owner, simulator):
    client = FlowMusicClient.from_settings()
    asset = client.generate_image("neon skyline", email="alice@example.com")
    cover = CoverArt.objects.create(
        team=team,
        author=owner,
        provider="flowmusic",
        asset_id=asset.id,
        account_email="alice@example.com",
        content_type="image/jpeg",
    )
    cover.image.save("cover.jpg", io.BytesIO(httpx.get(asset.url).content))
    generation = song(team, owner, cover_art=cover, account_choice="bob@example.com")
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED, generation.error_message
    uploads = [r for r in simulator.state.requests if r.route == "POST /files"]
    assert len(uploads) == 1 and uploads[0].query.get("email") == "bob@example.com"
    ref = generation.request["refImage1"]
    assert ref != asset.id and simulator.state.asset(ref).email == "bob@example.com"


def test_sweeping_tolerates_a_partial_that_another_worker_just_finished(settings, tmp_path):
    """Two workers ingest at once: a file listed by one may be renamed away by the other."""
    settings.MEDIA_ROOT = str(tmp_path)
    folder = media_files.tmp_dir()
    folder.mkdir(parents=True)
    (folder / "gone.part").write_bytes(b"x")
    (folder / "stale.part").write_bytes(b"x")
    real_glob = type(folder).glob

    def glob_then_finish(self, pattern):
        paths = list(real_glob(self, pattern))
        (folder / "gone.part").unlink()  # the other worker's rename lands right after listing
        return iter(paths)

    with mock.patch.object(type(folder), "glob", glob_then_finish):
        assert media_files.sweep_partials(older_than=timedelta(0)) == 1
    assert not list(folder.glob("*.part"))


def test_a_reconcile_step_that_keeps_failing_does_not_stop_the_others(team, owner, monkeypatch):
    """Whatever breaks one step (here adoption, on every pass), tracking and dispatch go on."""

    def broken(client):
        raise RuntimeError("adoption is broken")

    monkeypatch.setattr(recovery, "adopt_unknown", broken)
    made = song(team, owner)
    with FlowMusicClient.from_settings() as client:
        deadline = time.monotonic() + 30
        while Generation.objects.get(pk=made.pk).status != Status.COMPLETED:
            assert time.monotonic() < deadline, "the song never completed"
            Generation.objects.filter(status=Status.RUNNING).update(next_poll=timezone.now())
            assert reconciler.reconcile_once(client) == ["adopt unknown submissions"]
            time.sleep(0.05)
