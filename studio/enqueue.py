"""Queue a background task by name. A leaf: it imports no app code, so any module may call it
without import cycles; the task functions themselves live in studio/songs/tasks.py.

Two queues, each with its own django-q2 cluster (DESIGN §7, issue 17): the tasks that store
files (downloads, checks, waveform, loudness, tempo and key) run on the `ingest` cluster
(`Q_CLUSTER_NAME=ingest manage.py qcluster`); the short tracking work (submissions, webhooks,
polls, the reconciler) stays on the main one, so it never waits behind a download.
"""

from __future__ import annotations

from django_q.conf import Conf
from django_q.tasks import async_task

TASKS = "studio.songs.tasks"
INGEST = "ingest"  # the cluster's name, in settings.Q_CLUSTER["ALT_CLUSTERS"]
INGEST_TASKS = frozenset({"ingest"})


def cluster_of(name: str) -> str:
    """The cluster that runs task `name`. Always named: a task queued from inside the ingest
    cluster would otherwise go to that cluster's own queue."""
    return INGEST if name in INGEST_TASKS else Conf.PREFIX


def enqueue(name: str, *args: object) -> None:
    """Run `studio.songs.tasks.<name>(*args)` on a worker; pass ids, never model instances."""
    async_task(f"{TASKS}.{name}", *args, task_name=f"{name} {args}"[:100], cluster=cluster_of(name))
