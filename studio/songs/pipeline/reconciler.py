"""The reconciler: one loop across all workers that moves every job in flight along.

Each pass reads everything from the database, so it is safe at any time, any number of times.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django_q.conf import Conf

from studio import stopping
from studio.enqueue import enqueue
from studio.flowmusic import FlowMusicClient
from studio.songs.models import Generation
from studio.songs.pipeline import credit_sync, dispatch, leases, recovery, tracking

log = logging.getLogger(__name__)
Status = Generation.Status

LEASE_NAME = "reconciler"
RECONCILE_SECONDS = 50  # one run loops this long, then hands over to the next
TICK = 0.5
HEARTBEAT_EVERY = 5.0
LEASE = timedelta(seconds=20)


def reconcile_once(client: FlowMusicClient) -> list[str]:
    """One pass over everything in flight; returns the steps that raised (logged). Each step
    runs in its own try: one that keeps failing (a bug, a database hiccup) must not stop the
    steps after it on every pass."""
    steps = {
        "recover stale submissions": recovery.recover_stale_submissions,
        "adopt unknown submissions": lambda: recovery.adopt_unknown(client),
        "track running jobs": lambda: _queue_downloads(tracking.poll_due(client)),
        "restart stalled downloads": _restart_stalled_downloads,
        "dispatch": lambda: dispatch.dispatch(client),
        "refresh balances": lambda: credit_sync.refresh_stale_balances(client),
        "sync credits": lambda: credit_sync.sync_if_due(client),
    }
    failed = []
    for name, step in steps.items():
        try:
            step()
        except Exception:
            log.exception("reconcile step %r failed; the others went on", name)
            failed.append(name)
    return failed


def _queue_downloads(pks: list[int]) -> None:
    for pk in pks:
        enqueue("ingest", pk)


def _restart_stalled_downloads() -> None:
    """Downloads whose worker died, or that failed and are due again."""
    now = timezone.now()
    due = Q(next_poll__lte=now) | Q(next_poll__isnull=True)
    stalled = Generation.objects.filter(due, status=Status.FETCHING)
    for pk in list(stalled.values_list("pk", flat=True)):
        # Taken by pushing the lease forward, so two passes never queue the same download.
        if stalled.filter(pk=pk).update(next_poll=now + tracking.FETCH_LEASE):
            enqueue("ingest", pk)


def run(seconds: float = RECONCILE_SECONDS) -> None:
    """The reconciler loop, if no other worker runs it. Each run hands over to a fresh task
    when it ends, so polling never pauses; the one-minute schedule only restarts the chain
    after a worker died (its lease then runs out within seconds). A stop request (the worker
    is shutting down) ends the loop within a tick, handing over the same way: the successor
    waits in the broker for the next start."""
    holder = uuid.uuid4().hex
    if not leases.take(LEASE_NAME, holder, LEASE):
        return
    deadline = time.monotonic() + seconds
    next_beat = 0.0
    try:
        with FlowMusicClient.from_settings() as client:
            while time.monotonic() < deadline and not stopping.requested():
                if time.monotonic() >= next_beat:
                    # A short lease, renewed as we go: a killed worker's expires quickly.
                    if not leases.renew(LEASE_NAME, holder, LEASE):
                        return
                    leases.beat()
                    next_beat = time.monotonic() + HEARTBEAT_EVERY
                reconcile_once(client)  # never raises: each step keeps its own errors
                stopping.wait(TICK)
    finally:
        leases.release(LEASE_NAME, holder)
    if not Conf.SYNC:  # in tests tasks run inline: no endless chain
        enqueue("reconcile")
