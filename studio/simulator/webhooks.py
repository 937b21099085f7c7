"""Background work: notice jobs turning terminal, pre-render their clips, POST webhooks."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from typing import Protocol

import httpx

from studio.simulator.models import SimJob, WebhookAttempt

WEBHOOK_TIMEOUT = 5.0
RENDER_WORKERS = 2


class TickerState(Protocol):
    """What the background work reads and calls: ``SimulatorState``, which starts the ticker
    (described here rather than imported, so that the state can import this module)."""

    generation: int
    webhooks_enabled: bool
    webhook_backoff: tuple[float, ...]
    webhook_repeat: int
    wake: threading.Event
    closed: threading.Event

    def job(self, jobid: str) -> SimJob | None: ...

    def due_jobs(self, now: float) -> tuple[list[SimJob], float | None, int]: ...

    def job_record(self, job: SimJob, base_url: str, prefix: str = ...) -> dict: ...

    def prerender(self, job: SimJob) -> None: ...

    def log_webhook(self, attempt: WebhookAttempt, generation: int) -> None: ...


class Ticker(threading.Thread):
    """Sleeps until the next job deadline (or a new job), then hands due jobs on: completed
    jobs are pre-rendered (so the first read is fast) and webhooks delivered. ``prefetch``
    renders a job while it is still pending (edits, which can be minutes long)."""

    def __init__(self, state: TickerState) -> None:
        super().__init__(name="simulator-ticker", daemon=True)
        self.state = state
        self.renders: queue.Queue[tuple[SimJob, int]] = queue.Queue()
        for index in range(RENDER_WORKERS):
            name = f"simulator-render-{index}"
            threading.Thread(target=self._render_worker, name=name, daemon=True).start()

    def _render_worker(self) -> None:
        state = self.state
        while not state.closed.is_set():
            try:
                job, generation = self.renders.get(timeout=1.0)
            except queue.Empty:
                continue
            if generation == state.generation and state.job(job.jobid) is job:
                # On failure the next read renders again and reports the error.
                with contextlib.suppress(Exception):
                    state.prerender(job)

    def prefetch(self, job: SimJob, generation: int) -> None:
        self.renders.put((job, generation))

    def run(self) -> None:
        state = self.state
        while not state.closed.is_set():
            state.wake.clear()
            now = time.time()
            due, next_at, generation = state.due_jobs(now)
            for job in due:
                if job.request.get("replyUrl") and state.webhooks_enabled:
                    threading.Thread(
                        target=deliver, args=(state, job, generation), daemon=True
                    ).start()
                elif not job.error:
                    self.renders.put((job, generation))
            timeout = 1.0 if next_at is None else min(1.0, max(0.0, next_at - time.time()))
            state.wake.wait(timeout)


def deliver(state: TickerState, job: SimJob, generation: int) -> None:
    """POST the job record ``webhook_repeat`` times, each retried with backoff on failure."""
    url = job.request["replyUrl"]
    try:
        payload = state.job_record(job, job.base_url)
    except Exception:  # a render failure must not kill the thread silently
        payload = {"jobid": job.jobid, "email": job.email, "status": job.status()}
    if "replyRef" in job.request:
        payload["replyRef"] = job.request["replyRef"]
    backoff = tuple(state.webhook_backoff)
    with httpx.Client(timeout=WEBHOOK_TIMEOUT) as client:
        for delivery in range(1, max(1, int(state.webhook_repeat)) + 1):
            for attempt in range(1, len(backoff) + 2):
                if generation != state.generation or state.closed.is_set():
                    return
                status, error = None, None
                try:
                    status = client.post(url, json=payload).status_code
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                state.log_webhook(
                    WebhookAttempt(
                        jobid=job.jobid,
                        url=url,
                        delivery=delivery,
                        attempt=attempt,
                        status=status,
                        error=error,
                        payload=payload,
                        at=time.time(),
                    ),
                    generation,
                )
                if status is not None and 200 <= status < 300:
                    break
                if attempt <= len(backoff):
                    time.sleep(backoff[attempt - 1])
