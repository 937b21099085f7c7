"""`make load` end to end, briefly: seeded instance, gunicorn, locust, the printed table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUEST_TYPES = ["library page", "search", "song page", "audio range", "Aggregated"]


def test_a_short_load_run_prints_every_request_type_without_failures():
    # SQLite: on PostgreSQL the command would recreate the server's bench database.
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    done = subprocess.run(
        # Each user needs four steps, 1-3 s apart, to make every kind of request.
        [sys.executable, "manage.py", "loadtest"]
        + ["--generations", "200", "--users", "5", "--run-time", "15s"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # A row: the request's name, then count, req/s, p50, p95, p99 and failures.
    failures = {
        " ".join(words[:-6]): words[-1]
        for words in map(str.split, done.stdout.splitlines())
        if len(words) > 6
    }
    for name in REQUEST_TYPES:
        assert failures.get(name) == "0", done.stdout
