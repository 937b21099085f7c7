"""Named leases in the database: one reconciler loop across all workers, and its heartbeat."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from studio.songs.models import Lease

HEARTBEAT = "worker-heartbeat"


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


def beat() -> None:
    """The worker is alive (read by /healthz)."""
    now = timezone.now()
    if not Lease.objects.filter(name=HEARTBEAT).update(expires=now):
        Lease.objects.get_or_create(name=HEARTBEAT, defaults={"expires": now})


def last_beat():
    return Lease.objects.filter(name=HEARTBEAT).values_list("expires", flat=True).first()
