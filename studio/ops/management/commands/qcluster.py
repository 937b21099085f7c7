"""`manage.py qcluster`: django-q2's cluster, stopping within seconds of SIGTERM or SIGINT.

It replaces django-q2's own command (studio.ops is listed before django_q in INSTALLED_APPS) for
two reasons. django-q2 stops the cluster inside its signal handler (`stop_event.set()` and
`sentinel.join()`), which can deadlock (its issue #346); here the handler only records the
request and the main loop stops the cluster. And honcho and systemd signal the whole process
group: the sentinel and workers must not die mid-task, so they are forked with SIGTERM and
SIGINT blocked and learn of the stop through `studio.stopping`, the event they share. A child
whose parent died (SIGKILL, OOM) can no longer be told to stop, so it watches for that and
stops by itself: the same hand-over, then exit (no orphan keeps taking tasks).

`Q_CLUSTER_NAME=ingest` starts the cluster that stores files (studio/enqueue.py). Before it
forks anything, that one warms the tempo and key analysis (librosa compiles on first use, ~10 s):
the workers, and any the sentinel starts again later, inherit that compiled code; and while it
runs it beats a heartbeat for /healthz (the main cluster's reconciler beats its own).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django_q.cluster import Cluster
from django_q.conf import Conf

from studio import stopping
from studio.enqueue import INGEST
from studio.songs.pipeline import analysis, leases

log = logging.getLogger(__name__)
SIGNALS = {signal.SIGTERM, signal.SIGINT}
# Long work hands over within about a second; past this the cluster is ended by force.
STOP_GRACE = 4.0
HEARTBEAT_EVERY = 5.0


class Command(BaseCommand):
    help = "Start the background workers (django-q2 cluster); SIGTERM or Ctrl-C stops them."

    def handle(self, *args, **options):
        settings.SECRET_KEY  # noqa: B018 (as django-q2's command: signing needs it)
        ingest = Conf.CLUSTER_NAME == INGEST
        if ingest:
            _warm_analysis()
        asked = threading.Event()
        os.register_at_fork(after_in_child=_watch_parent)
        cluster = Cluster()  # installs django-q2's handlers; replaced below
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)  # inherited by every forked child
        try:
            cluster.start()
        finally:
            for signum in SIGNALS:
                signal.signal(signum, lambda *_: asked.set())  # only records the request
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
        next_beat = 0.0
        while not asked.wait(0.5):
            if not cluster.sentinel.is_alive():
                return
            if ingest and time.monotonic() >= next_beat:
                _beat()
                next_beat = time.monotonic() + HEARTBEAT_EVERY
        log.info("stopping: long tasks hand over, then the cluster stops")
        stopping.request()
        _stop(cluster)


def _watch_parent() -> None:
    """In every process the cluster forks: if the process that forked it dies, stop."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        log.warning("the cluster's process %s is gone: process %s stops", parent, os.getpid())
        stopping.request()  # long work hands over as at a normal stop
        time.sleep(STOP_GRACE)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _warm_analysis() -> None:
    """Once per cluster, in this process, before the forks (see the module's docstring).

    Signals still do what they do by default meanwhile: nothing runs yet that could be harmed.
    """
    try:
        took = analysis.warm()
    except Exception:  # the first song analysed warms it instead
        log.exception("tempo and key analysis not warmed")
        return
    log.info("tempo and key analysis warmed in %.1f s", took)


def _beat() -> None:
    try:
        leases.beat(leases.INGEST_HEARTBEAT)
    except Exception:  # a database that is down shows as a stale heartbeat, not a dead cluster
        log.warning("ingest heartbeat not written", exc_info=True)


def _stop(cluster: Cluster) -> None:
    done = threading.Thread(target=cluster.stop, daemon=True)
    done.start()
    done.join(STOP_GRACE)
    if not done.is_alive():
        return
    log.warning("the cluster did not stop within %.0f s; ending its processes", STOP_GRACE)
    for pid in _descendants(os.getpid()):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)


def _descendants(root: int) -> list[int]:
    """Every process below `root`, from /proc (Linux): the sentinel's children included."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found
