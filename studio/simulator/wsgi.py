"""A small request/response layer over WSGI, shared by the simulator's handlers."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

from studio.simulator import media
from studio.simulator.models import ApiError

MAX_JSON_BODY = 2 * 1024 * 1024
MAX_DRAIN = 128 * 1024 * 1024


class Request:
    """The parts of a WSGI environ the handlers need; the body is read once, on demand."""

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ
        self.method = environ["REQUEST_METHOD"].upper()
        self.path = environ.get("PATH_INFO") or "/"
        self.query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        self.content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        length = environ.get("CONTENT_LENGTH") or "0"
        self.content_length = int(length) if length.isdigit() else 0
        self._remaining = self.content_length
        self.json: Any = None  # what the handler parsed, for the request log
        self.jobid: str | None = None  # set by the handler that created a job

    def header(self, name: str) -> str | None:
        key = name.upper().replace("-", "_")
        return self.environ.get(key if key in {"CONTENT_TYPE", "CONTENT_LENGTH"} else "HTTP_" + key)

    @property
    def base_url(self) -> str:
        """``scheme://host[/mount-prefix]`` as the client addressed us; media URLs start here."""
        env = self.environ
        host = env.get("HTTP_HOST") or f"{env['SERVER_NAME']}:{env['SERVER_PORT']}"
        return f"{env['wsgi.url_scheme']}://{host}{quote(env.get('SCRIPT_NAME', ''))}"

    def read(self, size: int = -1) -> bytes:
        """Read from the body, never past its Content-Length."""
        if self._remaining <= 0:
            return b""
        size = self._remaining if size < 0 else min(size, self._remaining)
        data = self.environ["wsgi.input"].read(size)
        self._remaining = 0 if not data else self._remaining - len(data)
        return data

    def drain(self) -> None:
        """Discard the unread body, so the client can finish sending and read our answer."""
        drained = 0
        while self._remaining > 0 and drained < MAX_DRAIN:
            chunk = self.read(media.CHUNK)
            if not chunk:
                break
            drained += len(chunk)

    def capture_json(self) -> None:
        """Read and keep a JSON body for the request log, without acting on it."""
        if self.content_type == "application/json" and self.content_length <= MAX_JSON_BODY:
            with contextlib.suppress(ValueError):
                self.json = json.loads(self.body() or b"null")
        self.drain()

    def body(self) -> bytes:
        if self.content_length > MAX_JSON_BODY:
            self.drain()
            raise ApiError(413, "Request body too large")
        chunks = []
        while chunk := self.read(media.CHUNK):
            chunks.append(chunk)
        return b"".join(chunks)


@dataclass
class Response:
    status: int
    body: Iterable[bytes] = ()
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    payload = json.dumps(data).encode()
    return Response(status, [payload], {"Content-Type": "application/json", **(headers or {})})
