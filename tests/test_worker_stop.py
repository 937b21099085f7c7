"""`manage.py qcluster` stops within seconds of SIGTERM (as honcho and systemd send it, to the
whole process group), even mid-loop and mid-download, leaves no process behind, and the work
it was doing resumes on the next start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from studio.enqueue import enqueue
from studio.songs import lifecycle
from studio.songs.models import Clip, Generation, Lease
from tests.hostile import hostile_servers, media_handler
from tests.test_library import m4a_bytes, wav_bytes
from tests.workers import ROOT, database_url

Status = Generation.Status
STOP_WITHIN = 10.0


def _qcluster(simulator, data_dir, media_origin: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "STUDIO_DATA_DIR": str(data_dir),
        "SECRET_KEY": settings.SECRET_KEY,  # queued tasks are signed with it
        "FLOWMUSIC_API_TOKEN": simulator.token,
        "FLOWMUSIC_API_URL": simulator.flowmusic_url,
        "RSFLOWHUB_API_URL": media_origin + "/api/v1",  # an allowed origin for media
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "worker.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as under honcho
        )


def _wait(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.1)


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _fetching_song(team, owner, media: str) -> Generation:
    generation = lifecycle.create(team=team, author=owner, prompt="a song mid-download")
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.FETCHING, jobid="job:stop-test", next_poll=timezone.now() + timedelta(hours=1)
    )
    Clip.objects.create(
        generation=generation,
        slot="A",
        clip_id="clip-stop-test",
        audio_url=f"{media}/drip?kind=m4a",
        wav_url=f"{media}/drip?kind=wav",
    )
    return generation


def _status(generation: Generation) -> str:
    return Generation.objects.get(pk=generation.pk).status


def _reconciler_runs() -> bool:
    lease = Lease.objects.filter(name="reconciler").first()
    return bool(lease and lease.holder and lease.expires > timezone.now())


def _stop(worker: subprocess.Popen) -> float:
    started = time.monotonic()
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(timeout=30)
    return time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_a_busy_worker_quickly_and_the_work_resumes(team, owner, simulator, tmp_path):
    with hostile_servers() as (media, _canary, _hits):
        drip = media_handler()
        generation = _fetching_song(team, owner, media)
        enqueue("reconcile")
        enqueue("ingest", generation.pk)
        worker = _qcluster(simulator, tmp_path / "data", media)
        try:
            _wait(lambda: drip.drips >= 2, "both downloads started")
            _wait(_reconciler_runs, "the reconciler loop runs")
            took = _stop(worker)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
        assert took < STOP_WITHIN, f"stopping took {took:.1f} s"
        _wait(lambda: _group_gone(worker.pid), "every process of the cluster exited", 5)
        assert Lease.objects.get(name="reconciler").expires <= timezone.now()  # handed over
        generation.refresh_from_db()
        assert generation.status == Status.FETCHING and generation.fetch_attempts == 0
        assert generation.next_poll <= timezone.now()  # free for the next start at once

        drip.mended = {"wav": wav_bytes(), "m4a": m4a_bytes()}
        worker = _qcluster(simulator, tmp_path / "data", media)
        try:
            _wait(lambda: _status(generation) == Status.COMPLETED, "it completed after a restart")
        finally:
            _stop(worker)
    clip = Clip.objects.get(generation=generation)
    assert (tmp_path / "data" / "media" / clip.wav.name).read_bytes() == wav_bytes()
