"""What /metrics reports, read from the database at scrape time: web and worker processes may
run on several machines, and the database is what they all share."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Greatest
from django_q.brokers import get_broker
from django_q.conf import Conf
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.utils import floatToGoString

from studio.enqueue import INGEST
from studio.ops.models import MetricCounter
from studio.songs.models import Generation, UpstreamAccount

log = logging.getLogger(__name__)

# Queued → accepted includes the wait for a free account slot, so it can take many minutes.
SUBMISSION_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
# Upstream finished → our copies stored: the poll delay plus the downloads.
COMPLETION_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600)

# MetricCounter names (recorder.py), each exported as studio_<name>_total.
COUNTERS = {
    "upstream_responses": "Upstream API answers by service, method, endpoint and status "
    "(or the httpx error when none came).",
    "upstream_response_seconds": "Seconds spent waiting for those answers.",
    "ingest_downloads": "Media downloads (song files, artwork) by outcome.",
    "ingest_bytes": "Bytes of media downloaded, by outcome.",
    "ingest_seconds": "Seconds spent downloading media, by outcome.",
}


class StudioCollector:
    """A prometheus_client collector; the registry calls `collect()` on every scrape."""

    def collect(self) -> Iterator[Metric]:
        yield _jobs()
        depth = _queue_depth()
        if depth is not None:
            yield depth
        yield _latency(
            "studio_submission_latency_seconds",
            "Seconds from queued to accepted by the upstream, over all songs and edits so far.",
            "created",
            "accepted",
            SUBMISSION_BUCKETS,
        )
        yield _latency(
            "studio_completion_latency_seconds",
            "Seconds from the upstream finishing to the files being playable here, over all "
            "completed songs and edits so far.",
            "upstream_completed",
            "finished",
            COMPLETION_BUCKETS,
            status=Generation.Status.COMPLETED,
        )
        yield _credits()
        yield from _counters()


def _jobs() -> GaugeMetricFamily:
    family = GaugeMetricFamily("studio_jobs", "Songs and edits by status.", labels=["status"])
    counts = dict(Generation.objects.values_list("status").annotate(n=Count("pk")).order_by())
    for status in Generation.Status.values:
        family.add_metric([status], counts.get(status, 0))
    return family


def _queue_depth() -> GaugeMetricFamily | None:
    try:
        depth = sum(get_broker(name).queue_size() or 0 for name in (Conf.PREFIX, INGEST))
    except Exception:  # a broker that is down must not take the other metrics with it
        log.warning("metrics: could not read the task queue's size", exc_info=True)
        return None
    return GaugeMetricFamily(
        "studio_queue_depth",
        "Background tasks waiting in django-q2's broker (both queues: main and ingest).",
        value=depth,
    )


def _latency(
    name: str, doc: str, start: str, end: str, buckets: tuple[int, ...], **filters: object
) -> HistogramMetricFamily:
    """A histogram over every generation with both timestamps, counted in SQL.

    All time rather than a recent window: bucket counts then only grow, as Prometheus expects of
    a histogram, and `histogram_quantile(…, rate(…[1h]))` gives the recent quantiles. Deleting
    songs lowers them, which Prometheus reads as a counter reset. The upstream's clock stamps
    `upstream_completed`, so a skewed clock's negative waits count as zero.
    """
    waited = Greatest(
        ExpressionWrapper(F(end) - F(start), output_field=DurationField()),
        Value(timedelta(0), output_field=DurationField()),
    )
    rows = Generation.objects.filter(
        **{f"{start}__isnull": False, f"{end}__isnull": False}, **filters
    ).annotate(waited=waited)
    under = {
        f"le{index}": Count("pk", filter=Q(waited__lte=timedelta(seconds=bound)))
        for index, bound in enumerate(buckets)
    }
    counts = rows.aggregate(total=Count("pk"), seconds=Sum("waited"), **under)
    cumulative = [(floatToGoString(b), counts[f"le{i}"]) for i, b in enumerate(buckets)]
    seconds = counts["seconds"] or timedelta(0)
    return HistogramMetricFamily(
        name,
        doc,
        buckets=[*cumulative, ("+Inf", counts["total"])],
        sum_value=seconds.total_seconds(),
    )


def _credits() -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "studio_upstream_credits_remaining",
        "Credits left per Flow Music account, as last read from the upstream.",
        labels=["account"],
    )
    accounts = UpstreamAccount.objects.filter(present=True, credits_remaining__isnull=False)
    for account in accounts.only("email", "credits_remaining"):
        family.add_metric([account.email], account.credits_remaining or 0)
    return family


def _counters() -> Iterator[CounterMetricFamily]:
    families = {name: CounterMetricFamily(f"studio_{name}", doc) for name, doc in COUNTERS.items()}
    for row in MetricCounter.objects.filter(name__in=COUNTERS):
        family = families[row.name]
        family.add_sample(family.name + "_total", json.loads(row.labels or "{}"), row.value)
    yield from families.values()
