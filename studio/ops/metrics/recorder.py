"""Counters of what happens in any process (upstream answers, media downloads), in MetricCounter.

studio.upstream imports no Django app, so it reports through its observer lists and `install()`
registers the recorders there. Increments collect in a per-process buffer and are written only
from a thread that already has a database connection and is outside any transaction: the poll
and download threads never touch the database, and no caller's transaction holds a counter row's
lock. Workers also flush after every task, and a scrape flushes its own process first; what a
process buffers when it is killed is lost (metrics, not money).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django_q.signals import post_execute_in_worker

from studio.ops.models import MetricCounter
from studio.upstream import download, http

log = logging.getLogger(__name__)

_pending: defaultdict[tuple[str, str], float] = defaultdict(float)
_lock = threading.Lock()


def upstream_response(
    service: str, method: str, endpoint: str, status: str, seconds: float
) -> None:
    labels = {"service": service, "method": method, "endpoint": endpoint, "status": status}
    add("upstream_responses", labels, 1)
    add("upstream_response_seconds", labels, seconds)
    flush_if_safe()


def media_download(size: int, seconds: float, outcome: str) -> None:
    labels = {"outcome": outcome}
    add("ingest_downloads", labels, 1)
    add("ingest_bytes", labels, size)
    add("ingest_seconds", labels, seconds)
    flush_if_safe()


def add(name: str, labels: dict[str, str], amount: float) -> None:
    key = (name, json.dumps(labels, sort_keys=True))
    with _lock:
        _pending[key] += amount


def flush_if_safe() -> None:
    if connection.connection is not None and not connection.in_atomic_block:
        flush()


def flush() -> None:
    """Write the pending increments in one transaction, rows always in the same order."""
    with _lock:
        batch = sorted(_pending.items())
        _pending.clear()
    if not batch:
        return
    try:
        with transaction.atomic():
            for (name, labels), amount in batch:
                _increment(name, labels, amount)
    except Exception:
        with _lock:  # kept for the next flush
            for key, amount in batch:
                _pending[key] += amount
        raise


def _increment(name: str, labels: str, amount: float) -> None:
    rows = MetricCounter.objects.filter(name=name, labels=labels)
    if rows.update(value=F("value") + amount):
        return
    try:
        with transaction.atomic():
            MetricCounter.objects.create(name=name, labels=labels, value=amount)
    except IntegrityError:  # another process made the row first
        rows.update(value=F("value") + amount)


def _after_task(**kwargs: object) -> None:
    try:
        flush_if_safe()
    except Exception:
        log.exception("could not write the metric counters")


def install() -> None:
    """Called once per process from OpsConfig.ready()."""
    if upstream_response not in http.response_observers:
        http.response_observers.append(upstream_response)
    if media_download not in download.download_observers:
        download.download_observers.append(media_download)
    post_execute_in_worker.connect(_after_task, dispatch_uid="studio-metric-counters")
