"""django-q2 entry points. Each takes an id, re-reads the row and is a no-op when done."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.conf import Conf
from django_q.tasks import async_task

from studio.flowmusic import FlowMusicClient
from studio.ops import health
from studio.songs import ingest as ingestion
from studio.songs import submit as submission
from studio.songs import tracking
from studio.songs.models import Generation, Lease

log = logging.getLogger(__name__)
S = Generation.Status

RECONCILE_SECONDS = 50  # one run loops this long, then hands over to the next
TICK = 0.5
HEARTBEAT_EVERY = 5.0
LEASE = timedelta(seconds=20)


def enqueue(name: str, *args) -> None:
    async_task(f"studio.songs.tasks.{name}", *args, task_name=f"{name} {args}"[:100])


def submit_generation(generation_id: int) -> None:
    """Submit queued songs in order; this one goes when its account has a free slot."""
    if not Generation.objects.filter(pk=generation_id, status=S.QUEUED).exists():
        return
    with FlowMusicClient.from_settings() as client:
        submission.dispatch(client)


def check_job(generation_id: int) -> None:
    """Look at one job now (a webhook said so); fetch its files if it completed."""
    with FlowMusicClient.from_settings() as client:
        if tracking.check_job(client, generation_id) == S.FETCHING:
            submission.dispatch(client)  # its slot is free as soon as the job is done
            ingestion.ingest(client, generation_id)


def ingest(generation_id: int) -> None:
    with FlowMusicClient.from_settings() as client:
        ingestion.ingest(client, generation_id)


def reconcile_once(client: FlowMusicClient) -> None:
    """One pass over everything in flight; safe to run at any time, any number of times."""
    tracking.recover_stale_submissions()
    tracking.adopt_unknown(client)
    for pk in tracking.poll_due(client):
        enqueue("ingest", pk)
    # Downloads whose worker died or that failed and are due again.
    now = timezone.now()
    stalled = Generation.objects.filter(
        Q(next_poll__lte=now) | Q(next_poll__isnull=True), status=S.FETCHING
    ).values_list("pk", flat=True)
    for pk in stalled:
        if (
            Generation.objects.filter(pk=pk, status=S.FETCHING)
            .filter(Q(next_poll__lte=now) | Q(next_poll__isnull=True))
            .update(next_poll=now + tracking.FETCH_LEASE)
        ):
            enqueue("ingest", pk)
    submission.dispatch(client)


def reconcile(seconds: float = RECONCILE_SECONDS) -> None:
    """The reconciler loop, if no other worker runs it. Each run hands over to a fresh task
    when it ends, so polling never pauses; the one-minute schedule only restarts the chain
    after a worker died (its lease then runs out within seconds)."""
    holder = uuid.uuid4().hex
    if not _take_lease("reconciler", holder, LEASE):
        return
    deadline = time.monotonic() + seconds
    next_beat = 0.0
    try:
        with FlowMusicClient.from_settings() as client:
            while time.monotonic() < deadline:
                if time.monotonic() >= next_beat:
                    # A short lease, renewed as we go: a killed worker's expires quickly.
                    if not _renew_lease("reconciler", holder, LEASE):
                        return
                    health.beat()
                    next_beat = time.monotonic() + HEARTBEAT_EVERY
                try:
                    reconcile_once(client)
                except Exception:  # keep the loop alive; the next pass retries from the DB
                    log.exception("reconcile pass failed")
                time.sleep(TICK)
    finally:
        Lease.objects.filter(name="reconciler", holder=holder).update(expires=timezone.now())
    if not Conf.SYNC:  # in tests tasks run inline: no endless chain
        enqueue("reconcile")


def _renew_lease(name: str, holder: str, duration: timedelta) -> bool:
    return bool(
        Lease.objects.filter(name=name, holder=holder).update(expires=timezone.now() + duration)
    )


@transaction.atomic
def _take_lease(name: str, holder: str, duration: timedelta) -> bool:
    now = timezone.now()
    lease, _ = Lease.objects.select_for_update().get_or_create(
        name=name, defaults={"holder": "", "expires": now}
    )
    if lease.holder and lease.expires > now:
        return False
    Lease.objects.filter(name=name).update(holder=holder, expires=now + duration)
    return True
