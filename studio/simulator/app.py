"""The simulator as a plain WSGI application: routing, auth, faults, request log, media."""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from studio import ranges
from studio.simulator import api, assets, download, drafts, edit_api, media
from studio.simulator.faults import DropConnection
from studio.simulator.models import ApiError, LoggedRequest
from studio.simulator.state import SimulatorState
from studio.simulator.wsgi import Request, Response, json_response

FLOWMUSIC = "/v1/flowmusic"
RSFLOWHUB = "/api/v1"
logger = logging.getLogger(__name__)


def reason(status: int) -> str:
    if status == 596:
        return "Account Error"  # useapi.net's own status code
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def error_response(route: str | None, status: int, message: str, headers=None) -> Response:
    if route == "POST /ai/image-generation":
        return json_response(status, assets.rsflowhub_error(status, message), headers)
    return json_response(status, {"error": message, "code": status}, headers)


Handler = Callable[..., Response]

_ROUTES: list[tuple[set[str], re.Pattern[str], str, Handler, bool]] = []


def route(methods: set[str], pattern: str, name: str, handler: Handler, auth: bool = True) -> None:
    _ROUTES.append((methods, re.compile(pattern + "$"), name, handler, auth))


def serve_media(state: SimulatorState, req: Request, prefix: str, kind: str, name: str):
    """A signed media URL: 403 when expired or forged; Range requests answer 206 (or 416)."""
    query = req.query
    if not media.verify(state.secret, kind, name, query.get("expires", ""), query.get("sig", "")):
        raise ApiError(403, "Forbidden: the URL expired or its signature is invalid")
    stored = state.media.get(kind, name)
    try:
        size = stored.path.stat().st_size if stored else -1
    except FileNotFoundError:
        size = -1
    if stored is None or size < 0:
        raise ApiError(404, "Not found")
    headers = {"Accept-Ranges": "bytes", "Content-Type": stored.content_type}
    wanted = ranges.parse_range(req.header("Range"), size)
    if wanted == ranges.UNSATISFIABLE:
        headers["Content-Range"] = f"bytes */{size}"
        return Response(416, [], {**headers, "Content-Length": "0"})
    status, start, end = (200, 0, size - 1) if wanted is None else (206, *wanted)
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    head = req.method == "HEAD"
    return Response(
        status, [] if head else ranges.iter_file(stored.path, start, end - start + 1), headers
    )


route({"POST"}, FLOWMUSIC + r"/music", "POST /music", api.create_song)
route({"POST"}, FLOWMUSIC + r"/music/edit", "POST /music/edit", edit_api.create_edit)
route({"POST"}, FLOWMUSIC + r"/music/lyrics", "POST /music/lyrics", drafts.write_lyrics)
route({"GET"}, FLOWMUSIC + r"/music/download", "GET /music/download", download.download)
route({"GET"}, FLOWMUSIC + r"/jobs", "GET /jobs", api.list_jobs)
route({"GET"}, FLOWMUSIC + r"/jobs/(?P<jobid>[^/]+)", "GET /jobs/{jobid}", api.get_job)
route({"DELETE"}, FLOWMUSIC + r"/jobs/(?P<jobid>[^/]+)", "DELETE /jobs/{jobid}", api.delete_job)
route({"POST"}, FLOWMUSIC + r"/files/generate", "POST /files/generate", assets.generate_image)
route({"POST"}, FLOWMUSIC + r"/files", "POST /files", assets.upload_file)
route({"GET"}, FLOWMUSIC + r"/accounts", "GET /accounts", api.list_accounts)
# Before /accounts/{email}, which would otherwise take "usage" for an email.
route({"GET"}, FLOWMUSIC + r"/accounts/usage", "GET /accounts/usage", api.get_usage)
route({"GET"}, FLOWMUSIC + r"/accounts/(?P<email>[^/]+)", "GET /accounts/{email}", api.get_account)
route({"POST"}, RSFLOWHUB + r"/ai/image-generation", "POST /ai/image-generation", assets.rsflowhub)
route(
    {"GET", "HEAD"},
    r"(?P<prefix>/v1/flowmusic|/api/v1)/_media/(?P<kind>[a-z]+)/(?P<name>[\w.-]+)",
    "GET /media",
    serve_media,
    auth=False,
)


class SimulatorApp:
    """WSGI callable serving ``/v1/flowmusic/...``, ``/api/v1/ai/image-generation`` and media."""

    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        req = Request(environ)
        response = self.respond(req)
        start_response(
            f"{response.status} {reason(response.status)}", list(response.headers.items())
        )
        return response.body

    def respond(self, req: Request) -> Response:
        """Answer one request, or raise DropConnection (the caller sends nothing at all)."""
        state = self.state
        path = req.path.rstrip("/") or "/"
        name, handler, params, auth, allowed = None, None, {}, True, False
        for methods, pattern, route_name, route_handler, route_auth in _ROUTES:
            match = pattern.match(path)
            if match:
                allowed = True
                if req.method in methods:
                    name, handler, params, auth = (
                        route_name,
                        route_handler,
                        match.groupdict(),
                        route_auth,
                    )
                    break
        entry = state.log_request(
            LoggedRequest(req.method, name, req.path, req.query, None, time.time())
        )
        fault = state.faults.take(name) if name else None
        entry.fault = fault.action if fault else None
        try:
            if handler is None:
                req.drain()
                status = 405 if allowed else 404
                response = error_response(None, status, reason(status))
            elif fault and not fault.processes:
                req.capture_json()
                if fault.action == "drop":
                    raise DropConnection(name)
                response = self._fault_response(name, int(fault.action))
            else:
                if fault and fault.action == "timeout":
                    time.sleep(fault.delay)
                response = self._handle(req, name, handler, params, auth)
                if fault and fault.action == "accept_then_drop":
                    raise DropConnection(name)
                if fault and fault.action == "accept_then_timeout":
                    time.sleep(fault.delay)
        finally:
            entry.json, entry.jobid = req.json, req.jobid
        entry.status = response.status
        return response

    def _handle(self, req, name, handler, params, auth) -> Response:
        try:
            expected = f"Bearer {self.state.token}".encode()
            given = (req.header("Authorization") or "").encode()
            if auth and not hmac.compare_digest(given, expected):  # in constant time
                req.drain()
                raise ApiError(401, "Unauthorized")
            return handler(self.state, req, **params)
        except ApiError as exc:
            req.drain()
            return error_response(name, exc.status, exc.message, exc.headers)
        except (DropConnection, OSError):
            raise
        except Exception:
            logger.exception("simulator: %s %s failed", req.method, req.path)
            return error_response(name, 500, "Internal simulator error")

    @staticmethod
    def _fault_response(name: str | None, status: int) -> Response:
        if status == 429:
            message = "Too Many Requests (simulated fault)"
            if name != "POST /ai/image-generation":
                message = 'FlowMusic conversation failed (429): {"detail":"Too Many Requests"}'
            return error_response(name, 429, message, {"Retry-After": "1"})
        return error_response(name, status, f"{HTTPStatus(status).phrase} (simulated fault)")
