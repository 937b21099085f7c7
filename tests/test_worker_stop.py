"""`manage.py qcluster` stops within seconds of SIGTERM (as honcho and systemd send it, to the
whole process group), even mid-loop and mid-download, leaves no process behind, and the work
it was doing resumes on the next start. Both clusters, as `make run` starts them: the main one
runs the reconciler loop, the ingest one the download."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from studio.enqueue import enqueue
from studio.songs import lifecycle
from studio.songs.models import Clip, Generation, Lease
from tests.hostile import hostile_servers, media_handler
from tests.test_library import m4a_bytes, wav_bytes
from tests.workers import cluster_env, start_clusters, stop_clusters, wait_for

Status = Generation.Status
STOP_WITHIN = 10.0


def _qclusters(simulator, data_dir, media_origin: str) -> list[subprocess.Popen]:
    # The media server is where rsflowhub is configured: an allowed origin for media.
    env = cluster_env(simulator, data_dir, RSFLOWHUB_API_URL=media_origin + "/api/v1")
    return start_clusters(env, data_dir / "worker.log")


def _group_gone(pgid: int) -> bool:
    return not _group(pgid)  # zombies aside: a reaped child's group may linger as one


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


@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_a_busy_worker_quickly_and_the_work_resumes(team, owner, simulator, tmp_path):
    with hostile_servers() as (media, _canary, _hits):
        drip = media_handler()
        generation = _fetching_song(team, owner, media)
        enqueue("reconcile")
        enqueue("ingest", generation.pk)
        clusters = _qclusters(simulator, tmp_path / "data", media)
        try:
            wait_for(lambda: drip.drips >= 2, "both downloads started")
            wait_for(_reconciler_runs, "the reconciler loop runs")
            took = stop_clusters(clusters)
        finally:
            stop_clusters(clusters, timeout=0.1)  # a no-op unless the test failed above
        assert took < STOP_WITHIN, f"stopping took {took:.1f} s"
        for cluster in clusters:
            wait_for(lambda c=cluster: _group_gone(c.pid), "every process of a cluster exited", 5)
        assert Lease.objects.get(name="reconciler").expires <= timezone.now()  # handed over
        generation.refresh_from_db()
        assert generation.status == Status.FETCHING and generation.fetch_attempts == 0
        assert generation.next_poll <= timezone.now()  # free for the next start at once

        drip.mended = {"wav": wav_bytes(), "m4a": m4a_bytes()}
        clusters = _qclusters(simulator, tmp_path / "data", media)
        try:
            wait_for(
                lambda: _status(generation) == Status.COMPLETED, "it completed after a restart"
            )
        finally:
            stop_clusters(clusters)
    clip = Clip.objects.get(generation=generation)
    assert (tmp_path / "data" / "media" / clip.wav.name).read_bytes() == wav_bytes()


@pytest.mark.django_db(transaction=True)
def test_workers_whose_cluster_process_was_killed_stop_by_themselves(simulator, tmp_path):
    """SIGKILL (a crash, the OOM killer) leaves the sentinel and workers without the process
    that would stop them, and they block SIGTERM: they notice and exit on their own."""
    clusters = _qclusters(simulator, tmp_path / "data", simulator.flowmusic_url)
    try:
        wait_for(lambda: all(len(_group(c.pid)) >= 3 for c in clusters), "workers started")
        for cluster in clusters:
            cluster.kill()  # the main process only: its children stay in the group
            cluster.wait()
            os.killpg(cluster.pid, signal.SIGTERM)  # as a supervisor would, once more
        for cluster in clusters:
            wait_for(lambda c=cluster: _group_gone(c.pid), "the orphans exited", STOP_WITHIN)
    finally:
        for cluster in clusters:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(cluster.pid, signal.SIGKILL)


def _group(pgid: int) -> list[int]:
    """The live processes of a process group, from /proc."""
    members = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat[2]) == pgid and stat[0] != "Z":
            members.append(int(entry))
    return members
