"""POST /hooks/flowmusic/<token>/: "look at this job now" (DESIGN §5.3).

The body is never trusted (unsigned, may repeat or never come): the token in the URL names the
generation, and the job is re-read from the upstream by a background task. A webhook can beat
the answer to POST /music: it is kept until the jobid is stored, never dropped.
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
from studio.songs.pipeline.acceptance import early_webhook

Status = Generation.Status
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
    # A job still being submitted is looked at as soon as its jobid is stored (early_webhook);
    # a running one now, also when its jobid came meanwhile.
    kept = generation.status != Status.RUNNING and early_webhook(generation.pk)
    if not kept and Generation.objects.filter(pk=generation.pk, status=Status.RUNNING).exists():
        enqueue("check_job", generation.pk)
    return HttpResponse("ok", content_type="text/plain")
