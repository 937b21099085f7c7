"""Shared pieces of `make bench`: figures, percentiles, app processes on spare ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def figure(name: str, value: float | int | str, unit: str, target: str = "—") -> None:
    """One figure per line: `name value unit (target ...)`."""
    if isinstance(value, float):
        value = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    print(f"{name} {value} {unit} (target {target})", flush=True)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(**extra: str | None) -> dict[str, str]:
    """This process's environment (the bench data dir and database) plus `extra`."""
    env = {key: value for key, value in os.environ.items() if key not in extra}
    env.update({key: value for key, value in extra.items() if value is not None})
    return env


@contextmanager
def process(
    args: list[str], env: dict[str, str], ready_url: str | None = None, log: Path | None = None
):
    """Run a child (e.g. gunicorn, qcluster) for the duration of a `with` block.

    Its own session: Ctrl-C reaches only the command running it, which then stops it gracefully.
    Its output goes to `log` when given (and is shown if it does not start), else nowhere.
    """
    with log.open("wb") if log else open(os.devnull, "wb") as out:
        child = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        if ready_url:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(ready_url, timeout=2)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline or child.poll() is not None:
                        output = log.read_text(errors="replace")[-4000:] if log else ""
                        raise RuntimeError(f"{args[0]} did not start\n{output}") from None
                    time.sleep(0.2)
        yield child
    finally:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def gunicorn(
    port: int, env: dict[str, str], workers: int = 1, threads: int = 8, log: Path | None = None
):
    """The app as the Procfile serves it (gunicorn reads gunicorn.conf.py from ROOT itself)."""
    return process(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "studio.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        env,
        ready_url=f"http://127.0.0.1:{port}/healthz",
        log=log,
    )


def qcluster(env: dict[str, str], name: str | None = None):
    """The main django-q2 cluster, or the one called `name` (as `Q_CLUSTER_NAME=ingest`)."""
    env = {key: value for key, value in env.items() if key != "Q_CLUSTER_NAME"}
    return process(
        [sys.executable, "manage.py", "qcluster"], env | ({"Q_CLUSTER_NAME": name} if name else {})
    )
