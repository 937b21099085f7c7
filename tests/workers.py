"""Real worker processes for tests: pipeline steps in a separate process (so a test can kill it
mid-step), and both django-q2 clusters as `make run` starts them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.db import connection
from django_q.brokers import get_broker
from django_q.conf import Conf

from studio.enqueue import INGEST, enqueue
from studio.songs.models import Generation
from tests.pipeline import accepted_refs

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite://{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(code: str, simulator, data_dir: Path) -> subprocess.Popen:
    """`manage.py shell -c code` against the test database and the simulator."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "STUDIO_DATA_DIR": str(data_dir),
        "FLOWMUSIC_API_TOKEN": simulator.token,
        "FLOWMUSIC_API_URL": simulator.flowmusic_url,
    }
    env.pop("REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def kill_when(process: subprocess.Popen, condition, timeout: float = 30.0) -> None:
    """SIGKILL the worker as soon as `condition()` holds: no cleanup, like a crash."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise AssertionError(f"worker exited before the kill point:\n{output}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the kill point was never reached")
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def cluster_env(simulator, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker host: the test database, the simulator, its own data dir."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "STUDIO_DATA_DIR": str(data_dir),
        "SECRET_KEY": settings.SECRET_KEY,  # queued tasks are signed with it
        "FLOWMUSIC_API_TOKEN": simulator.token,
        "FLOWMUSIC_API_URL": simulator.flowmusic_url,
        **extra,
    }
    env.pop("Q_CLUSTER_NAME", None)
    return env


def start_clusters(env: dict[str, str], log: Path) -> list[subprocess.Popen]:
    """Both django-q2 clusters, as `make run` (the Procfile) and the systemd units start them:
    `manage.py qcluster` and `Q_CLUSTER_NAME=ingest manage.py qcluster`, each in its own
    process group (as under honcho), writing to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as output:
        return [
            subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"],
                cwd=ROOT,
                env=env | extra,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            for extra in ({}, {"Q_CLUSTER_NAME": INGEST})
        ]


def stop_clusters(clusters: list[subprocess.Popen], timeout: float = 30.0) -> float:
    """SIGTERM each cluster's process group at once (as honcho and systemd do) and wait; the
    seconds until all had exited. A cluster still there after `timeout` is killed."""
    started = time.monotonic()
    for cluster in clusters:
        if cluster.poll() is None:
            os.killpg(cluster.pid, signal.SIGTERM)
    for cluster in clusters:
        try:
            cluster.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait()
    return time.monotonic() - started


def purge_queues() -> None:
    """Empty both clusters' queues of tasks left by earlier tests."""
    for name in (Conf.PREFIX, INGEST):
        get_broker(name).purge_queue()


def wait_for(condition, what: str, timeout: float = 60.0, every: float = 0.1) -> None:
    """Until `condition()` holds; fails naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(every)


def complete_with(clusters: list[subprocess.Popen], generations: list, timeout: float) -> None:
    """Start the reconciler on `clusters`, wait until every one of `generations` completed,
    then stop the clusters (whether they did or not)."""
    try:
        enqueue("reconcile")
        done = Generation.objects.filter(
            pk__in=[g.pk for g in generations], status=Generation.Status.COMPLETED
        )
        wait_for(lambda: done.count() == len(generations), "all completed", timeout=timeout)
    finally:
        stop_clusters(clusters)


def assert_each_sent_once(simulator, count: int) -> None:
    """`count` songs reached the upstream, each once, never more at a time than an account
    allows."""
    refs = Counter(accepted_refs(simulator.state))
    assert len(refs) == count and max(refs.values()) == 1
    limits = {a.email: a.max_jobs for a in simulator.state.accounts}
    assert all(peak <= limits[email] for email, peak in simulator.state.max_running.items())
