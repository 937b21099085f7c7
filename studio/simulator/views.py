"""The simulator mounted inside Studio (``settings.SIMULATOR_PREFIX``) when no API token is set."""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from studio.simulator.app import SimulatorApp
from studio.simulator.faults import DropConnection
from studio.simulator.state import SimulatorState

_lock = threading.Lock()
_state: SimulatorState | None = None
MOUNTED_LATENCY = 4.0


def default_state() -> SimulatorState:
    """The process-wide simulator behind the mounted routes, created on first use."""
    global _state
    with _lock:
        if _state is None:
            webhook = f"{settings.PUBLIC_URL}/hooks/flowmusic/" if settings.PUBLIC_URL else None
            _state = SimulatorState(
                token=settings.SIMULATOR_TOKEN,
                latency=MOUNTED_LATENCY,
                media_dir=Path(settings.DATA_DIR) / "simulator",
                reply_url_prefixes=(webhook,) if webhook else (),
            )
            atexit.register(_state.close)
        return _state


@csrf_exempt
@login_not_required
def simulator(request: HttpRequest, rest: str = "") -> HttpResponse | StreamingHttpResponse:
    """Hand the request to the WSGI simulator as if it were mounted at this URL prefix."""
    environ = dict(request.META)
    prefix = request.path[: len(request.path) - len(rest)].rstrip("/")
    environ.update(
        {
            "SCRIPT_NAME": prefix,
            "PATH_INFO": "/" + rest,
            "HTTP_HOST": request.get_host(),
            "wsgi.url_scheme": request.scheme,
            # HttpRequest.read() stops at Content-Length and nothing has consumed the body yet.
            "wsgi.input": request,
        }
    )
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info=None) -> None:
        started["status"], started["headers"] = int(status.split(" ", 1)[0]), headers

    try:
        body = SimulatorApp(default_state())(environ, start_response)
    except DropConnection:
        # Behind Django the connection cannot be cut silently; a bodiless 502 is the nearest
        # thing (clients treat it as "outcome unknown", like a drop).
        return HttpResponse(status=502)
    if isinstance(body, list):
        response: HttpResponse | StreamingHttpResponse = HttpResponse(
            b"".join(body), status=started["status"]
        )
    else:
        response = StreamingHttpResponse(body, status=started["status"])
    for name, value in started["headers"]:
        response[name] = value
    return response
