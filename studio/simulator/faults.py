"""Fault injection: make the next N calls to a route misbehave (see the package docstring)."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

#: What an injected fault does to the request it hits.
ACTIONS = frozenset(
    {"429", "500", "503", "drop", "accept_then_drop", "timeout", "accept_then_timeout"}
)

#: Route names accepted by ``SimulatorState.inject`` (method + documented path template).
ROUTES = frozenset(
    {
        "POST /music",
        "POST /music/edit",
        "POST /music/lyrics",
        "GET /music/download",
        "GET /jobs",
        "GET /jobs/{jobid}",
        "DELETE /jobs/{jobid}",
        "POST /files/generate",
        "POST /files",
        "GET /accounts",
        "GET /accounts/{email}",
        "GET /accounts/usage",
        "POST /ai/image-generation",
        "GET /media",
    }
)

#: Used by the timeout actions when ``inject`` was given no delay.
DEFAULT_TIMEOUT_DELAY = 5.0


class DropConnection(Exception):
    """Raised by the app: the server must close the socket without sending a byte."""


@dataclass
class Fault:
    route: str
    action: str
    remaining: int
    delay: float

    @property
    def processes(self) -> bool:
        """Whether the request is still handled (the fault only spoils the answer)."""
        return self.action in {"accept_then_drop", "timeout", "accept_then_timeout"}


class FaultQueue:
    """Per-route FIFO of pending faults; each request takes at most one."""

    def __init__(self, lock: threading.Lock | threading.RLock | None = None) -> None:
        self._lock = lock or threading.Lock()
        self._faults: deque[Fault] = deque()

    def add(self, route: str, action: str, count: int = 1, delay: float = 0) -> Fault:
        if route not in ROUTES:
            raise ValueError(f"unknown route {route!r}; one of {sorted(ROUTES)}")
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; one of {sorted(ACTIONS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if action in {"timeout", "accept_then_timeout"} and delay <= 0:
            delay = DEFAULT_TIMEOUT_DELAY
        fault = Fault(route, action, count, delay)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, route: str) -> Fault | None:
        """The fault that applies to this request to ``route``, if any (consumes one use)."""
        with self._lock:
            for fault in self._faults:
                if fault.route == route:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
