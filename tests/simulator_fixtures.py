"""Fixtures that run the Flow Music / rsflowhub simulator over real HTTP (no database needed)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from studio.simulator.server import SimulatorServer

TEST_LATENCY = 0.05


@pytest.fixture(scope="session")
def simulator_server() -> Iterator[SimulatorServer]:
    """One simulator for the whole session; use ``simulator`` for a clean, wired-in one."""
    with SimulatorServer(latency=TEST_LATENCY, media_ttl=3600) as server:
        yield server


@pytest.fixture
def simulator(simulator_server: SimulatorServer, settings) -> SimulatorServer:
    """The session simulator, reset to its default accounts and configuration, with Django's
    Flow Music and rsflowhub settings pointing at it."""
    simulator_server.state.reset()
    settings.FLOWMUSIC_API_URL = simulator_server.flowmusic_url
    settings.FLOWMUSIC_API_TOKEN = simulator_server.token
    settings.RSFLOWHUB_API_URL = simulator_server.rsflowhub_url
    settings.RSFLOWHUB_API_KEY = simulator_server.token
    return simulator_server


@pytest.fixture
def api(simulator: SimulatorServer) -> Iterator[httpx.Client]:
    """An HTTP client of the simulator's Flow Music API, with its token."""
    with httpx.Client(
        base_url=simulator.flowmusic_url,
        headers={"Authorization": f"Bearer {simulator.token}"},
        timeout=20,
    ) as client:
        yield client


@pytest.fixture
def receiver():
    """A webhook receiver that answers 200 and keeps the bodies it was sent."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            server.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.bodies = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()
