"""Named leases in the database: one reconciler loop across all workers, and heartbeats."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from studio.songs.models import Lease

HEARTBEAT = "worker-heartbeat"  # the reconciler's, on the main cluster
INGEST_HEARTBEAT = "ingest-heartbeat"  # the ingest cluster's (its qcluster command beats it)


@transaction.atomic
def take(name: str, holder: str, duration: timedelta) -> bool:
    """Hold `name` for `duration` unless someone else holds it now."""
    now = timezone.now()
    lease, _ = Lease.objects.select_for_update().get_or_create(
        name=name, defaults={"holder": "", "expires": now}
    )
    if lease.holder and lease.expires > now:
        return False
    Lease.objects.filter(name=name).update(holder=holder, expires=now + duration)
    return True


def renew(name: str, holder: str, duration: timedelta) -> bool:
    """Extend our hold; False when it was lost (it expired and another worker took it)."""
    return bool(
        Lease.objects.filter(name=name, holder=holder).update(expires=timezone.now() + duration)
    )


def release(name: str, holder: str) -> None:
    Lease.objects.filter(name=name, holder=holder).update(expires=timezone.now())


def drop(name: str, holder: str) -> None:
    """Release for good: a lease named after one job is not needed again."""
    Lease.objects.filter(name=name, holder=holder).delete()


def beat(name: str = HEARTBEAT) -> None:
    """The worker is alive (read by /healthz)."""
    now = timezone.now()
    if not Lease.objects.filter(name=name).update(expires=now):
        Lease.objects.get_or_create(name=name, defaults={"expires": now})


def last_beat(name: str = HEARTBEAT):
    return Lease.objects.filter(name=name).values_list("expires", flat=True).first()
