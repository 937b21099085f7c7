"""POST /hooks/flowmusic/<token>/: "look at this job now" (DESIGN §5.3).

The body is never trusted (unsigned, may repeat or never come): the token in the URL names the
generation, and the job is re-read from the upstream by a background task.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from studio.songs import tasks
from studio.songs.models import Generation


@csrf_exempt
@login_not_required
@require_POST
def flowmusic_webhook(request, token: str):
    generation = Generation.objects.filter(webhook_token=token).only("pk", "status").first()
    if generation is None:
        raise Http404()
    if generation.status == Generation.Status.RUNNING:
        tasks.enqueue("check_job", generation.pk)
    return HttpResponse("ok", content_type="text/plain")
