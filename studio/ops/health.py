"""GET /healthz: database, broker, worker and ingest heartbeats and upstream, as JSON without
secrets."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from studio.flowmusic import FlowMusicClient, UpstreamError
from studio.songs.pipeline import leases

# The reconciler beats every few seconds while it loops (it is scheduled every minute); the
# ingest cluster every few seconds while it runs.
HEARTBEAT_STALE = timedelta(minutes=3)
UPSTREAM_CACHE_SECONDS = 30
UPSTREAM_TIMEOUT = 3.0


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "engine": connection.vendor}
    except Exception as exc:  # the point is to report it, whatever it is
        return {"ok": False, "engine": connection.vendor, "error": type(exc).__name__}


def _broker() -> dict:
    if settings.REDIS_URL:
        try:
            import redis

            redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            return {"ok": True, "kind": "redis"}
        except Exception as exc:
            return {"ok": False, "kind": "redis", "error": type(exc).__name__}
    from django_q.models import OrmQ

    try:
        return {"ok": True, "kind": "orm", "queued": OrmQ.objects.count()}
    except Exception as exc:
        return {"ok": False, "kind": "orm", "error": type(exc).__name__}


def _worker(heartbeat: str = leases.HEARTBEAT) -> dict:
    last = leases.last_beat(heartbeat)
    if last is None:
        return {"ok": False, "last_seen": None, "error": "no worker has run yet"}
    age = timezone.now() - last
    return {
        "ok": age < HEARTBEAT_STALE,
        "last_seen": last.isoformat(),
        "age_seconds": round(age.total_seconds(), 1),
    }


def _upstream() -> dict:
    cached = cache.get("healthz-upstream")
    if cached is not None:
        return cached
    result: dict = {"simulated": settings.FLOWMUSIC_SIMULATED}
    try:
        with FlowMusicClient.from_settings(timeout=UPSTREAM_TIMEOUT) as client:
            accounts = client.list_accounts()
        result.update(
            ok=True,
            accounts=len(accounts),
            accounts_in_error=sum(1 for a in accounts.values() if a.error),
        )
    except UpstreamError as exc:
        result.update(ok=False, error=exc.message)
    except ImproperlyConfigured as exc:  # e.g. an empty FLOWMUSIC_API_URL
        result.update(ok=False, error=str(exc))
    cache.set("healthz-upstream", result, UPSTREAM_CACHE_SECONDS)
    return result


@login_not_required
@never_cache
def healthz(request):
    checks = {
        "database": _database(),
        "broker": _broker(),
        "worker": _worker(),
        "ingest": _worker(leases.INGEST_HEARTBEAT),  # the cluster storing files
        "upstream": _upstream(),
    }
    # Only the database makes the app unusable; the rest degrade (queue waits, pages load).
    healthy = checks["database"]["ok"]
    status = "ok" if all(c["ok"] for c in checks.values()) else ("degraded" if healthy else "down")
    return JsonResponse({"status": status, **checks}, status=200 if healthy else 503)
