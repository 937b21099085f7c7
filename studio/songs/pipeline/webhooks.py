"""POST /hooks/flowmusic/<token>/: "look at this job now" (DESIGN §5.3).

The body is never trusted (unsigned, may repeat or never come): the token in the URL names the
generation, and the job is re-read from the upstream by a background task.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from studio.enqueue import enqueue
from studio.songs.models import Generation

# Late duplicates of a delivery are still welcome for a while; after that the token is dead.
TOKEN_GRACE = timedelta(hours=1)


def _expired(generation: Generation) -> bool:
    return bool(generation.finished and timezone.now() - generation.finished > TOKEN_GRACE)


@csrf_exempt
@login_not_required
@require_POST
def flowmusic_webhook(request, token: str):
    generation = (
        Generation.objects.filter(webhook_token=token).only("pk", "status", "finished").first()
    )
    if generation is None or _expired(generation):
        raise Http404()
    if generation.status == Generation.Status.RUNNING:
        enqueue("check_job", generation.pk)
    return HttpResponse("ok", content_type="text/plain")
