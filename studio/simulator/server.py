"""Run the simulator on a real socket: a threaded stdlib WSGI server in a background thread."""

from __future__ import annotations

import socketserver
import sys
import threading
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from studio.simulator.app import SimulatorApp
from studio.simulator.faults import DropConnection
from studio.simulator.state import SimulatorState


class _Handler(ServerHandler):
    dropped = False

    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], DropConnection):
            self.dropped = True  # nothing was written: leave the socket silent
            return
        super().handle_error()

    def log_exception(self, exc_info: Any) -> None:
        if not isinstance(exc_info[1], ConnectionError):
            super().log_exception(exc_info)

    def close(self) -> None:
        status = self.status or "-"  # type: ignore[attr-defined]
        self.request_handler.log_request(  # type: ignore[attr-defined]
            status.split(" ", 1)[0],
            self.bytes_sent,  # type: ignore[attr-defined]
        )
        super(ServerHandler, self).close()


class _RequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the state keeps a request log

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _Handler(
            self.rfile,  # type: ignore[arg-type]
            self.wfile,  # type: ignore[arg-type]
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        # On DropConnection nothing was written; the server then closes the socket, so the
        # client sees the connection end without a response.
        handler.run(self.server.get_app())  # type: ignore[attr-defined]


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name, which can stall without a network.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)
        self.setup_environ()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SimulatorServer:
    """The simulator on ``http://host:port`` (port 0: a free one), served from a daemon thread.

    Use as a context manager or call ``start()`` / ``stop()``. Without ``state`` a new
    ``SimulatorState(**state_kwargs)`` is made (and closed by ``stop()``).
    """

    def __init__(
        self,
        state: SimulatorState | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        **state_kwargs: Any,
    ) -> None:
        self._owns_state = state is None
        self.state = state if state is not None else SimulatorState(**state_kwargs)
        self.app = SimulatorApp(self.state)
        self.host, self.port = host, port
        self._httpd: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def flowmusic_url(self) -> str:
        return self.base_url + "/v1/flowmusic"

    @property
    def rsflowhub_url(self) -> str:
        return self.base_url + "/api/v1"

    def start(self) -> SimulatorServer:
        httpd = _ThreadingServer((self.host, self.port), _RequestHandler)
        httpd.set_app(self.app)
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
            name=f"simulator-{self.port}",
        )  # fmt: skip
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Block until interrupted (Ctrl-C), then stop."""
        if self._thread is None:
            self.start()
        try:
            while self._thread and self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self._owns_state:
            self.state.close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
