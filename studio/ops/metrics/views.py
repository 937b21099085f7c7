"""GET /metrics: Prometheus text format for a scraper holding METRICS_TOKEN (no endpoint when
it is unset); no session, so no login."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry, generate_latest

from studio.ops.metrics import recorder
from studio.ops.metrics.collector import StudioCollector

log = logging.getLogger(__name__)
# The classic text format, which every Prometheus version scrapes.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

registry = CollectorRegistry(auto_describe=False)
registry.register(StudioCollector())


def _authorized(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("Metrics are off (METRICS_TOKEN is unset).")
    if not _authorized(request, token):
        response = HttpResponse(
            "A bearer token is needed.\n", status=401, content_type="text/plain; charset=utf-8"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    try:
        recorder.flush()  # this process's own pending counts; the others flush as they go
    except Exception:  # the counts wait for the next flush; the rest can still be read
        log.exception("could not write the metric counters")
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE)
